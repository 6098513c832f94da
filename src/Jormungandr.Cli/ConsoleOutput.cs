using System.Collections;
using System.CommandLine;
using System.Globalization;
using System.Reflection;
using System.Text;
using Jormungandr.Commands;

namespace Jormungandr.Cli;

/// <summary>How <see cref="ConsoleOutput"/> behaves, from the global options.</summary>
/// <param name="Json">Objects as JSON lines instead of tables.</param>
/// <param name="Verbose">Print verbose messages.</param>
/// <param name="WhatIf">ShouldProcess prints "What if: ..." and answers no.</param>
/// <param name="Confirm">ShouldProcess asks on the terminal.</param>
/// <param name="Yes">ShouldProcess answers yes without asking (beats Confirm).</param>
internal sealed record ConsoleSettings(bool Json = false, bool Verbose = false, bool WhatIf = false, bool Confirm = false, bool Yes = false)
{
    /// <summary>The settings the global options of a parse give.</summary>
    public static ConsoleSettings From(ParseResult parse) => new(
        parse.GetValue(GlobalOptions.Json),
        parse.GetValue(GlobalOptions.Verbose),
        parse.GetValue(GlobalOptions.WhatIf),
        parse.GetValue(GlobalOptions.Confirm),
        parse.GetValue(GlobalOptions.Yes));
}

/// <summary>
/// The CLI's <see cref="ICommandOutput"/>: results to stdout as aligned tables (a list for a single
/// object) or JSON lines; errors, warnings, verbose messages, progress and prompts to stderr.
/// Thread-safe: tunnels report from worker threads.
/// </summary>
internal sealed class ConsoleOutput : ICommandOutput
{
    private readonly Lock _gate = new();
    private readonly CliContext _context;
    private readonly ConsoleSettings _settings;
    private readonly bool _stream;
    private readonly List<object> _pending = [];
    private Type? _streamType;
    private int[]? _streamWidths;
    private bool _progressShown;

    /// <summary>Creates the sink.</summary>
    /// <param name="context">The streams.</param>
    /// <param name="settings">From the global options.</param>
    /// <param name="stream">Print each object as it comes (long-running commands) instead of one table at the end.</param>
    public ConsoleOutput(CliContext context, ConsoleSettings settings, bool stream = false)
    {
        _context = context;
        _settings = settings;
        _stream = stream;
    }

    /// <summary>The kind of the last non-terminating error, if any was written.</summary>
    public ErrorKind? LastErrorKind { get; private set; }

    /// <summary>0, or the exit code of the last non-terminating error.</summary>
    public int ExitCode => LastErrorKind is { } kind ? ExitCodes.For(kind) : ExitCodes.Success;

    /// <inheritdoc />
    public void WriteObject(object value)
    {
        ArgumentNullException.ThrowIfNull(value);
        lock (_gate)
        {
            ClearProgressLine();
            if (_settings.Json)
            {
                _context.Stdout.WriteLine(OutputJson.Serialize(value));
            }
            else if (_stream)
            {
                WriteStreamRow(value);
            }
            else
            {
                _pending.Add(value);
            }
        }
    }

    /// <inheritdoc />
    public void WriteError(CommandError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        lock (_gate)
        {
            ClearProgressLine();
            LastErrorKind = error.Kind;
            _context.Stderr.WriteLine("snek: " + OneLine(error.Message));
            if (_settings.Verbose && error.Exception?.InnerException is { } inner)
            {
                _context.Stderr.WriteLine(inner.ToString());
            }
        }
    }

    /// <inheritdoc />
    public void WriteWarning(string message)
    {
        lock (_gate)
        {
            ClearProgressLine();
            _context.Stderr.WriteLine("warning: " + OneLine(message));
        }
    }

    /// <inheritdoc />
    public void WriteVerbose(string message)
    {
        if (!_settings.Verbose)
        {
            return;
        }

        lock (_gate)
        {
            ClearProgressLine();
            _context.Stderr.WriteLine("verbose: " + OneLine(message));
        }
    }

    /// <inheritdoc />
    public void WriteProgress(CommandProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);

        // A status line that rewrites itself only makes sense on a terminal; logs get nothing.
        if (!_context.Interactive || _settings.Json)
        {
            return;
        }

        lock (_gate)
        {
            if (progress.Completed)
            {
                ClearProgressLine();
                return;
            }

            string percent = progress.PercentComplete >= 0 ? $" {progress.PercentComplete}%" : string.Empty;
            _context.Stderr.Write($"\r\u001b[K{progress.Activity}: {progress.Status}{percent}");
            _context.Stderr.Flush();
            _progressShown = true;
        }
    }

    /// <inheritdoc />
    public bool ShouldProcess(string target, string action)
    {
        lock (_gate)
        {
            ClearProgressLine();
            if (_settings.WhatIf)
            {
                _context.Stdout.WriteLine($"What if: Performing the operation \"{action}\" on target \"{target}\".");
                return false;
            }

            if (_settings.Yes || !_settings.Confirm)
            {
                return true;
            }

            _context.Stderr.Write($"Confirm: {action} on \"{target}\"? [y/N] ");
            _context.Stderr.Flush();
            string? answer = _context.Stdin.ReadLine();
            return answer is not null && (answer.Trim().Equals("y", StringComparison.OrdinalIgnoreCase) || answer.Trim().Equals("yes", StringComparison.OrdinalIgnoreCase));
        }
    }

    /// <summary>Prints the objects collected so far (tables are aligned over all of them). Call once the command ends.</summary>
    public void Flush()
    {
        lock (_gate)
        {
            ClearProgressLine();
            if (_pending.Count == 1)
            {
                WriteList(_pending[0]);
            }
            else
            {
                int start = 0;
                while (start < _pending.Count)
                {
                    // One table per run of objects of the same type.
                    int end = start + 1;
                    while (end < _pending.Count && _pending[end].GetType() == _pending[start].GetType())
                    {
                        end++;
                    }

                    if (start > 0)
                    {
                        _context.Stdout.WriteLine();
                    }

                    WriteTable(_pending.GetRange(start, end - start));
                    start = end;
                }
            }

            _pending.Clear();
            _context.Stdout.Flush();
            _context.Stderr.Flush();
        }
    }

    /// <summary>Formats one property value for a table cell.</summary>
    internal static string FormatValue(object? value) => value switch
    {
        null => string.Empty,
        string s => s,
        bool b => b ? "True" : "False",
        DateTimeOffset d => d.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
        DateTime d => d.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
        TimeSpan t => t.ToString(@"d\.hh\:mm\:ss", CultureInfo.InvariantCulture),
        byte[] bytes => Convert.ToHexStringLower(bytes),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable e => JoinItems(e),
        _ => value.ToString() ?? string.Empty,
    };

    private static string JoinItems(IEnumerable items)
    {
        StringBuilder sb = new();
        foreach (object? item in items)
        {
            if (sb.Length > 0)
            {
                sb.Append(", ");
            }

            sb.Append(FormatValue(item));
        }

        return sb.ToString();
    }

    // An ahead-of-time compiled snek keeps the public properties of every type in its own assembly and in
    // Jormungandr.Core (TrimmerRootAssembly in the project), where every object a command outputs is declared.
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "Output types live in rooted assemblies.")]
    private static PropertyInfo[] Columns(Type type)
    {
        List<PropertyInfo> columns = [];
        foreach (PropertyInfo p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (p.CanRead && p.GetIndexParameters().Length == 0)
            {
                columns.Add(p);
            }
        }

        return [.. columns];
    }

    /// <summary>A table column: a property with its header, and a fixed width (0: sized to the content).</summary>
    private readonly record struct Column(PropertyInfo Property, string Header, int Width, string? Format, bool AlignRight);

    /// <summary>The table's columns: the type's default view if it has one, else every property.</summary>
    private static Column[] TableColumns(Type type)
    {
        PropertyInfo[] all = Columns(type);
        TableView? view = DefaultTableViews.Find(type.FullName ?? type.Name);
        if (view is null)
        {
            Column[] every = new Column[all.Length];
            for (int i = 0; i < all.Length; i++)
            {
                every[i] = new Column(all[i], all[i].Name, 0, null, false);
            }

            return every;
        }

        List<Column> chosen = [];
        foreach (TableColumn column in view.Columns)
        {
            foreach (PropertyInfo p in all)
            {
                if (p.Name == column.Property)
                {
                    chosen.Add(new Column(p, column.Header, column.Width, column.Format, column.AlignRight));
                }
            }
        }

        return [.. chosen];
    }

    private static string[] Cells(object value, PropertyInfo[] columns)
    {
        string[] cells = new string[columns.Length];
        for (int i = 0; i < columns.Length; i++)
        {
            cells[i] = OneLine(FormatValue(Read(columns[i], value)));
        }

        return cells;
    }

    private static string[] Cells(object value, Column[] columns)
    {
        string[] cells = new string[columns.Length];
        for (int i = 0; i < columns.Length; i++)
        {
            object? v = Read(columns[i].Property, value);
            string text = columns[i].Format is string format && v is IFormattable f
                ? f.ToString(format, CultureInfo.InvariantCulture)
                : FormatValue(v);
            cells[i] = Fit(OneLine(text), columns[i].Width);
        }

        return cells;
    }

    private static object? Read(PropertyInfo property, object value)
    {
        try
        {
            return property.GetValue(value);
        }
        catch (TargetInvocationException)
        {
            return null;
        }
    }

    // As PowerShell does: a value wider than its fixed column ends in an ellipsis.
    private static string Fit(string text, int width) =>
        width > 0 && text.Length > width ? string.Concat(text.AsSpan(0, width - 1), "\u2026") : text;

    private void WriteList(object value)
    {
        PropertyInfo[] columns = Columns(value.GetType());
        if (columns.Length == 0)
        {
            _context.Stdout.WriteLine(FormatValue(value));
            return;
        }

        int width = 0;
        foreach (PropertyInfo p in columns)
        {
            width = Math.Max(width, p.Name.Length);
        }

        string[] cells = Cells(value, columns);
        for (int i = 0; i < columns.Length; i++)
        {
            _context.Stdout.WriteLine($"{columns[i].Name.PadRight(width)} : {cells[i]}");
        }
    }

    private void WriteTable(List<object> rows)
    {
        Type type = rows[0].GetType();
        Column[] columns = TableColumns(type);
        if (columns.Length == 0)
        {
            foreach (object row in rows)
            {
                _context.Stdout.WriteLine(FormatValue(row));
            }

            return;
        }

        List<string[]> cells = new(rows.Count);
        int[] widths = InitialWidths(columns);
        foreach (object row in rows)
        {
            string[] r = Cells(row, columns);
            cells.Add(r);
            Widen(widths, columns, r);
        }

        WriteRow(HeaderOf(columns), widths, columns);
        WriteRow(UnderlineOf(columns, widths), widths, columns);
        foreach (string[] r in cells)
        {
            WriteRow(r, widths, columns);
        }
    }

    private void WriteStreamRow(object value)
    {
        Type type = value.GetType();
        Column[] columns = TableColumns(type);
        string[] cells = Cells(value, columns);
        if (_streamType != type || _streamWidths is null)
        {
            // Fixed columns keep their width; the others are sized by the header and the first row.
            _streamType = type;
            _streamWidths = InitialWidths(columns);
            Widen(_streamWidths, columns, cells);
            WriteRow(HeaderOf(columns), _streamWidths, columns);
            WriteRow(UnderlineOf(columns, _streamWidths), _streamWidths, columns);
        }

        WriteRow(cells, _streamWidths, columns);
        _context.Stdout.Flush();
    }

    private static int[] InitialWidths(Column[] columns)
    {
        int[] widths = new int[columns.Length];
        for (int c = 0; c < columns.Length; c++)
        {
            widths[c] = columns[c].Width > 0 ? columns[c].Width : columns[c].Header.Length;
        }

        return widths;
    }

    private static void Widen(int[] widths, Column[] columns, string[] cells)
    {
        for (int c = 0; c < cells.Length; c++)
        {
            if (columns[c].Width == 0)
            {
                widths[c] = Math.Max(widths[c], cells[c].Length);
            }
        }
    }

    private static string[] HeaderOf(Column[] columns)
    {
        string[] header = new string[columns.Length];
        for (int c = 0; c < columns.Length; c++)
        {
            header[c] = Fit(columns[c].Header, columns[c].Width);
        }

        return header;
    }

    private static string[] UnderlineOf(Column[] columns, int[] widths)
    {
        string[] line = new string[columns.Length];
        for (int c = 0; c < columns.Length; c++)
        {
            line[c] = new string('-', Math.Min(columns[c].Header.Length, widths[c]));
        }

        return line;
    }

    private void WriteRow(string[] cells, int[] widths, Column[] columns)
    {
        StringBuilder sb = new();
        for (int c = 0; c < cells.Length; c++)
        {
            if (c > 0)
            {
                sb.Append(' ', TableView.Separator);
            }

            bool last = c == cells.Length - 1;
            if (columns[c].AlignRight)
            {
                sb.Append(cells[c].PadLeft(widths[c]));
            }
            else
            {
                sb.Append(last ? cells[c] : cells[c].PadRight(widths[c]));
            }
        }

        _context.Stdout.WriteLine(sb.ToString().TrimEnd());
    }

    private void ClearProgressLine()
    {
        if (_progressShown)
        {
            _context.Stderr.Write("\r\u001b[K");
            _progressShown = false;
        }
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ");
}
