namespace Jormungandr.HelpGen;

/// <summary>A help page does not follow the expected layout; the message names the file and the problem.</summary>
internal sealed class HelpFormatException : Exception
{
    public HelpFormatException(string message) : base(message)
    {
    }

    public HelpFormatException()
    {
    }

    public HelpFormatException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
