using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace Tenancy.Cli.Output;

/// <summary>
/// Where a command writes. With <c>--json</c>, stdout gets exactly one JSON document and everything else goes to stderr.
/// Without it, stdout gets tables (Spectre.Console) when it is a terminal and plain, aligned text otherwise.
/// </summary>
internal sealed class ConsoleOutput
{
    private static readonly JsonSerializerOptions s_json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private readonly IAnsiConsole? _richOut;
    private bool _documentWritten;

    public ConsoleOutput(bool json)
    {
        Json = json;
        Out = Console.Out;
        Error = Console.Error;
        if (!json && !Console.IsOutputRedirected)
        {
            _richOut = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        }

        // Progress belongs to people: on stdout when it is a terminal, on stderr with --json (stdout is the document).
        if (json ? !Console.IsErrorRedirected : !Console.IsOutputRedirected)
        {
            ProgressConsole = json ? AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) }) : _richOut;
        }
    }

    /// <summary>Whether <c>--json</c> was given.</summary>
    public bool Json { get; }

    public TextWriter Out { get; }

    public TextWriter Error { get; }

    /// <summary>The console live progress is drawn on, or null when no terminal would see it.</summary>
    public IAnsiConsole? ProgressConsole { get; }

    /// <summary>Writes the command's JSON document (once) on stdout.</summary>
    public void WriteJson(object document)
    {
        if (_documentWritten)
        {
            throw new InvalidOperationException("A command writes one JSON document; this one wrote two.");
        }

        _documentWritten = true;
        Out.WriteLine(JsonSerializer.Serialize(document, document.GetType(), s_json));
        Out.Flush();
    }

    /// <summary>A line of human output on stdout (never with <c>--json</c>).</summary>
    public void Line(string text = "")
    {
        if (!Json)
        {
            Out.WriteLine(text);
        }
    }

    /// <summary>A line for people on stderr (a note, a hint): it never pollutes what a script reads.</summary>
    public void Note(string text) => Error.WriteLine(text);

    /// <summary>Reports a failure on stderr (and, with <c>--json</c>, as the document on stdout when none was written).</summary>
    public void Fail(int exitCode, string type, string message)
    {
        Error.WriteLine($"error: {message}");
        if (Json && !_documentWritten)
        {
            WriteJson(new ErrorDocument(new ErrorDetail(exitCode, type, message)));
        }
    }

    /// <summary>A table: a Spectre.Console table on a terminal, aligned plain text (header first) otherwise.</summary>
    public void Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        if (Json)
        {
            return;
        }

        var all = rows.ToList();
        if (_richOut is not null)
        {
            var table = new Table().Border(TableBorder.Rounded);
            foreach (var header in headers)
            {
                table.AddColumn(new TableColumn(Markup.Escape(header)));
            }

            foreach (var row in all)
            {
                table.AddRow(row.Select(cell => new Text(cell)).ToArray<Spectre.Console.Rendering.IRenderable>());
            }

            _richOut.Write(table);
            return;
        }

        var widths = headers.Select(h => h.Length).ToArray();
        foreach (var row in all)
        {
            for (int i = 0; i < row.Count && i < widths.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }

        WritePlain(headers, widths);
        foreach (var row in all)
        {
            WritePlain(row, widths);
        }
    }

    private void WritePlain(IReadOnlyList<string> cells, int[] widths)
    {
        var line = string.Join("  ", cells.Select((cell, i) => i == cells.Count - 1 ? cell : cell.PadRight(widths[i])));
        Out.WriteLine(line.TrimEnd());
    }
}

/// <summary>The JSON document of a failed command.</summary>
internal sealed record ErrorDocument(ErrorDetail Error);

/// <summary>What failed: the exit code, the exception type (for scripts that branch on it) and the message.</summary>
internal sealed record ErrorDetail(int ExitCode, string Type, string Message);
