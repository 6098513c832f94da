using System.Runtime.InteropServices;
using Jormungandr.Lab;
using Jormungandr.Interop;

namespace Jormungandr.Tests;

/// <summary>Runs alone: the SIGHUP it sends would reach every TerminationCleanup in this test process.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LabSignalCollection
{
    /// <summary>The collection name.</summary>
    public const string Name = "Lab signals (not parallel)";
}

/// <summary>TerminationCleanup disposes its resource when the process gets a stop signal.</summary>
[Collection(LabSignalCollection.Name)]
public class LabTerminationCleanupTests
{
    [Fact]
    public void A_stop_signal_disposes_the_resource_once_and_unregistering_stops_that()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var resource = new CountingDisposable();
        // Keeps this test host alive: with any handler cancelling, the signal's default action is skipped.
        using PosixSignalRegistration keepAlive = PosixSignalRegistration.Create(PosixSignal.SIGHUP, c => c.Cancel = true);
        using (new TerminationCleanup(resource))
        {
            Assert.Equal(0, LibC.Kill(Environment.ProcessId, 1 /* SIGHUP */));
            Assert.True(SpinWait.SpinUntil(() => resource.Count > 0, TimeSpan.FromSeconds(10)), "cleanup did not run on SIGHUP");
        }

        Assert.Equal(1, resource.Count);

        // After Dispose the handler is gone: another SIGHUP does not dispose again.
        Assert.Equal(0, LibC.Kill(Environment.ProcessId, 1));
        Thread.Sleep(300);
        Assert.Equal(1, resource.Count);
    }

    private sealed class CountingDisposable : IDisposable
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public void Dispose() => Interlocked.Increment(ref _count);
    }
}
