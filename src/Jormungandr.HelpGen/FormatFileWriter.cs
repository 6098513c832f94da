using System.Collections;
using System.Reflection;
using System.Xml.Linq;
using Jormungandr.Commands;

namespace Jormungandr.HelpGen;

/// <summary>
/// Writes the module's format file (Jormungandr.Format.ps1xml) from <see cref="DefaultTableViews"/>, so
/// PowerShell's tables and snek's show the same columns. Every column but the last has a width, which
/// also makes PowerShell write each row as soon as its object arrives.
/// </summary>
internal static class FormatFileWriter
{
    public const string FileName = "Jormungandr.Format.ps1xml";

    public static string Write(IReadOnlyList<TableView> views)
    {
        Assembly core = typeof(DefaultTableViews).Assembly;
        XElement definitions = new("ViewDefinitions");
        foreach (TableView view in views)
        {
            Type type = core.GetType(view.TypeName)
                ?? throw new HelpFormatException($"default table view for {view.TypeName}: no such type in Jormungandr.Core");
            XElement headers = new("TableHeaders");
            XElement items = new("TableColumnItems");
            foreach (TableColumn column in view.Columns)
            {
                PropertyInfo property = type.GetProperty(column.Property)
                    ?? throw new HelpFormatException($"default table view for {view.TypeName}: no property {column.Property}");
                XElement header = new("TableColumnHeader", new XElement("Label", column.Header));
                if (column.Width > 0)
                {
                    header.Add(new XElement("Width", column.Width));
                }

                if (column.AlignRight)
                {
                    header.Add(new XElement("Alignment", "Right"));
                }

                headers.Add(header);
                XElement item = new("TableColumnItem");
                if (property.PropertyType != typeof(string) && typeof(IEnumerable).IsAssignableFrom(property.PropertyType))
                {
                    item.Add(new XElement("ScriptBlock", $"$_.{column.Property} -join ', '"));
                }
                else
                {
                    item.Add(new XElement("PropertyName", column.Property));
                }

                if (column.Format is not null)
                {
                    item.Add(new XElement("FormatString", "{0:" + column.Format + "}"));
                }

                items.Add(item);
            }

            definitions.Add(new XElement("View",
                new XElement("Name", type.Name),
                new XElement("ViewSelectedBy", new XElement("TypeName", view.TypeName)),
                new XElement("TableControl", headers, new XElement("TableRowEntries", new XElement("TableRowEntry", items)))));
        }

        XElement configuration = new("Configuration",
            new XComment(" Generated from Jormungandr.Commands.DefaultTableViews at build; edit the views there. "),
            definitions);
        return "<?xml version=\"1.0\" encoding=\"utf-8\"?>" + Environment.NewLine + configuration + Environment.NewLine;
    }
}
