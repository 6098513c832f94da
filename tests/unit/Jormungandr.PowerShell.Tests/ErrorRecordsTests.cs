using System.Management.Automation;
using System.Security.Cryptography;
using Jormungandr.Commands;
using Jormungandr.PowerShell.Runtime;

namespace Jormungandr.Tests;

/// <summary>ErrorKind → ErrorCategory and exception → stable ErrorId, as every cmdlet reports them.</summary>
public class ErrorRecordsTests
{
    public static TheoryData<ErrorKind, ErrorCategory> Kinds => new()
    {
        { ErrorKind.NotSpecified, ErrorCategory.NotSpecified },
        { ErrorKind.InvalidArgument, ErrorCategory.InvalidArgument },
        { ErrorKind.InvalidData, ErrorCategory.InvalidData },
        { ErrorKind.ObjectNotFound, ErrorCategory.ObjectNotFound },
        { ErrorKind.ResourceExists, ErrorCategory.ResourceExists },
        { ErrorKind.PermissionDenied, ErrorCategory.PermissionDenied },
        { ErrorKind.SecurityError, ErrorCategory.SecurityError },
        { ErrorKind.ConnectionError, ErrorCategory.ConnectionError },
        { ErrorKind.OperationTimeout, ErrorCategory.OperationTimeout },
        { ErrorKind.ProtocolError, ErrorCategory.ProtocolError },
        { ErrorKind.InvalidOperation, ErrorCategory.InvalidOperation },
        { ErrorKind.ResourceUnavailable, ErrorCategory.ResourceUnavailable },
        { ErrorKind.OperationStopped, ErrorCategory.OperationStopped },
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Every_error_kind_maps_to_its_category(ErrorKind kind, ErrorCategory category)
    {
        Assert.Equal(category, ErrorRecords.CategoryFor(kind));
    }

    [Fact]
    public void The_table_covers_every_error_kind()
    {
        HashSet<ErrorKind> covered = [.. Kinds.Select(row => (ErrorKind)row[0])];
        Assert.Equal(Enum.GetValues<ErrorKind>().Length, covered.Count);
    }

    [Fact]
    public void SnekException_keeps_its_id_kind_message_and_target()
    {
        SnekException ex = new("CertificateExists", ErrorKind.ResourceExists, "'/k/x.priv' exists.", "/k/x.priv");
        CommandError error = ErrorRecords.Describe(ex);
        Assert.Equal("CertificateExists", error.ErrorId);
        Assert.Equal(ErrorKind.ResourceExists, error.Kind);
        Assert.Equal("/k/x.priv", error.Target);
        Assert.Same(ex, ErrorRecords.ExceptionFor(error));
    }

    public static TheoryData<Exception, string, ErrorKind> Leaks => new()
    {
        { new UnauthorizedAccessException("denied"), "PermissionDenied", ErrorKind.PermissionDenied },
        { new FileNotFoundException("gone"), "PathNotFound", ErrorKind.ObjectNotFound },
        { new DirectoryNotFoundException("gone"), "PathNotFound", ErrorKind.ObjectNotFound },
        { new ArgumentOutOfRangeException("port"), "InvalidArgument", ErrorKind.InvalidArgument },
        { new CryptographicException("bad point"), "CryptographicFailure", ErrorKind.SecurityError },
        { new TimeoutException("slow"), "OperationTimeout", ErrorKind.OperationTimeout },
        { new System.Net.Sockets.SocketException(111), "ConnectionFailed", ErrorKind.ConnectionError },
        { new IOException("disk"), "IOError", ErrorKind.NotSpecified },
        { new OperationCanceledException(), "OperationStopped", ErrorKind.OperationStopped },
        { new InvalidOperationException("odd"), "UnexpectedError", ErrorKind.NotSpecified },
    };

    [Theory]
    [MemberData(nameof(Leaks))]
    public void Leaked_framework_exceptions_get_stable_ids(Exception exception, string errorId, ErrorKind kind)
    {
        CommandError error = ErrorRecords.Describe(exception, "target");
        Assert.Equal(errorId, error.ErrorId);
        Assert.Equal(kind, error.Kind);
        Assert.Equal("target", error.Target);
        Assert.Same(exception, error.Exception);

        // The exception an ErrorRecord carries is a SnekException with the same id, wrapping the original.
        SnekException carried = ErrorRecords.ExceptionFor(error);
        Assert.Equal(errorId, carried.ErrorId);
        Assert.Same(exception, carried.InnerException);
    }

    [Fact]
    public void A_non_terminating_error_without_exception_still_gets_a_SnekException()
    {
        CommandError error = new("LegacyBadHmac", ErrorKind.SecurityError, "Bad HMAC from 127.0.0.1:5000.", "127.0.0.1:5000");
        SnekException carried = ErrorRecords.ExceptionFor(error);
        Assert.Equal("LegacyBadHmac", carried.ErrorId);
        Assert.Equal(ErrorKind.SecurityError, carried.Kind);
        Assert.Equal("Bad HMAC from 127.0.0.1:5000.", carried.Message);
        Assert.Equal("127.0.0.1:5000", carried.Target);
    }

    [Theory]
    [InlineData("", "", 50, false, "Jormungandr", "Working", 50)]
    [InlineData("Connecting", " ", 101, false, "Connecting", "Working", -1)]
    [InlineData("Connecting", "", -1, true, "Connecting", "Done", -1)]
    [InlineData("Connecting", "attempt 2", 10, false, "Connecting", "attempt 2", 10)]
    public void Progress_never_hands_ProgressRecord_an_empty_string(string activity, string status, int percent, bool completed, string a, string s, int p)
    {
        (string Activity, string Status, int Percent) normalized = ProgressRecords.Normalize(new CommandProgress(1, activity, status, percent, completed));
        Assert.Equal((a, s, p), normalized);
    }

    [Fact]
    public void Every_runner_state_maps_to_the_job_state_PowerShell_shows()
    {
        Assert.Equal(JobState.NotStarted, SnekJob.MapState(CommandRunState.NotStarted));
        Assert.Equal(JobState.Running, SnekJob.MapState(CommandRunState.Running));
        Assert.Equal(JobState.Stopping, SnekJob.MapState(CommandRunState.Stopping));
        Assert.Equal(JobState.Completed, SnekJob.MapState(CommandRunState.Completed));
        Assert.Equal(JobState.Failed, SnekJob.MapState(CommandRunState.Failed));
        Assert.Equal(JobState.Stopped, SnekJob.MapState(CommandRunState.Stopped));
    }
}
