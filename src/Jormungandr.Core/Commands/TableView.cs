namespace Jormungandr.Commands;

/// <summary>
/// One column of a default table view: a property, its fixed width and how it is shown. Fixed widths
/// let a row appear the moment its object is written (PowerShell holds back rows of a table whose first
/// column has no width while it sizes the columns).
/// </summary>
/// <param name="Property">The property shown.</param>
/// <param name="Width">Characters; 0 only for the last column, which takes the rest of the line.</param>
/// <param name="Label">The header; the property name when null.</param>
/// <param name="Format">A .NET format string for the value (<c>u</c> for a time), or null.</param>
/// <param name="AlignRight">Right-aligned (numbers).</param>
public sealed record TableColumn(string Property, int Width, string? Label = null, string? Format = null, bool AlignRight = false)
{
    /// <summary>The header text.</summary>
    public string Header => Label ?? Property;
}

/// <summary>The default table view of one output type: the columns an operator scans, in order.</summary>
/// <param name="TypeName">Full name of the type the view is for.</param>
/// <param name="Columns">The columns, left to right.</param>
public sealed record TableView(string TypeName, IReadOnlyList<TableColumn> Columns)
{
    /// <summary>Columns are separated by one space, as PowerShell's tables are.</summary>
    public const int Separator = 1;

    /// <summary>The width of the fixed columns and their separators (the last column's minimum is its header).</summary>
    public int FixedWidth
    {
        get
        {
            int width = 0;
            for (int i = 0; i < Columns.Count; i++)
            {
                width += (i > 0 ? Separator : 0) + (Columns[i].Width > 0 ? Columns[i].Width : Columns[i].Header.Length);
            }

            return width;
        }
    }
}
