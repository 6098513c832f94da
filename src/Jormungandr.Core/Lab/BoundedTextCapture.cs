using System.Text;

namespace Jormungandr.Lab;

/// <summary>
/// Drains a child's output stream to the end (so the child never blocks on a full pipe) while keeping
/// only the first <c>maxChars</c> characters.
/// </summary>
internal sealed class BoundedTextCapture
{
    private readonly StringBuilder _text = new();
    private readonly int _maxChars;
    private bool _truncated;

    public BoundedTextCapture(StreamReader reader, int maxChars)
    {
        _maxChars = maxChars;
        Completion = DrainAsync(reader);
    }

    /// <summary>Completes at end of stream (or when the stream is closed under it).</summary>
    public Task Completion { get; }

    public bool Truncated
    {
        get
        {
            lock (_text)
            {
                return _truncated;
            }
        }
    }

    public string Text
    {
        get
        {
            lock (_text)
            {
                return _text.ToString();
            }
        }
    }

    private async Task DrainAsync(StreamReader reader)
    {
        char[] buffer = new char[4096];
        try
        {
            int n;
            while ((n = await reader.ReadAsync(buffer.AsMemory()).ConfigureAwait(false)) > 0)
            {
                lock (_text)
                {
                    int keep = Math.Min(n, _maxChars - _text.Length);
                    if (keep > 0)
                    {
                        _text.Append(buffer, 0, keep);
                    }

                    if (keep < n)
                    {
                        _truncated = true;
                    }
                }
            }
        }
        catch (ObjectDisposedException)
        {
            // The process object was disposed while a grandchild still held the pipe open.
        }
        catch (IOException)
        {
        }
    }
}
