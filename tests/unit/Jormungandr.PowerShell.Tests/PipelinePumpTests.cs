using Jormungandr.Commands;
using Jormungandr.PowerShell.Runtime;

namespace Jormungandr.Tests;

/// <summary>
/// CmdletOutput over PipelinePump: whatever thread a command writes from, the sink (the cmdlet's Write*
/// methods in PowerShell) is only ever called on the thread running the pump, in order.
/// </summary>
public class PipelinePumpTests
{
    /// <summary>A sink that records the thread of every call, like PowerShell's pipeline-thread check.</summary>
    private sealed class ThreadCheckingSink(int pipelineThread, Func<string, string, bool>? answer = null) : ICommandOutput
    {
        public BufferedOutput Inner { get; } = new(answer);

        public int WrongThreadCalls;

        private void Check()
        {
            if (Environment.CurrentManagedThreadId != pipelineThread)
            {
                Interlocked.Increment(ref WrongThreadCalls);
            }
        }

        public void WriteObject(object value) { Check(); Inner.WriteObject(value); }
        public void WriteError(CommandError error) { Check(); Inner.WriteError(error); }
        public void WriteWarning(string message) { Check(); Inner.WriteWarning(message); }
        public void WriteVerbose(string message) { Check(); Inner.WriteVerbose(message); }
        public void WriteProgress(CommandProgress progress) { Check(); Inner.WriteProgress(progress); }
        public bool ShouldProcess(string target, string action) { Check(); return Inner.ShouldProcess(target, action); }
    }

    [Fact]
    public void Output_from_many_worker_threads_reaches_the_sink_on_the_pipeline_thread()
    {
        ThreadCheckingSink sink = new(Environment.CurrentManagedThreadId);
        using PipelinePump pump = new();
        CmdletOutput output = new(pump, sink);
        Task work = Task.Run(async () =>
        {
            Task[] writers = [.. Enumerable.Range(0, 4).Select(w => Task.Run(() =>
            {
                for (int i = 0; i < 250; i++)
                {
                    output.WriteObject((w, i));
                }

                output.WriteVerbose($"writer {w} done");
            }))];
            await Task.WhenAll(writers);
            output.WriteWarning("all done");
            output.WriteProgress(new CommandProgress(1, "a", "b"));
            output.WriteError(new CommandError("Some", ErrorKind.InvalidData, "m"));
        });

        pump.Run(work);

        Assert.Equal(0, sink.WrongThreadCalls);
        Assert.Equal(1000, sink.Inner.Objects.Count);
        Assert.Equal(4, sink.Inner.Verbose.Count);
        Assert.Single(sink.Inner.Warnings);
        Assert.Single(sink.Inner.Progress);
        Assert.Single(sink.Inner.Errors);
        // Per writer, objects arrive in the order written.
        for (int w = 0; w < 4; w++)
        {
            int[] seen = [.. sink.Inner.Objects.Cast<(int W, int I)>().Where(o => o.W == w).Select(o => o.I)];
            Assert.Equal(Enumerable.Range(0, 250), seen);
        }
    }

    [Fact]
    public void ShouldProcess_is_answered_on_the_pipeline_thread_and_the_answer_returns_to_the_worker()
    {
        ThreadCheckingSink sink = new(Environment.CurrentManagedThreadId, (target, _) => target == "yes");
        using PipelinePump pump = new();
        CmdletOutput output = new(pump, sink);
        bool? first = null, second = null;
        Task work = Task.Run(() =>
        {
            first = output.ShouldProcess("yes", "Create");
            second = output.ShouldProcess("no", "Create");
        });

        pump.Run(work);

        Assert.True(first);
        Assert.False(second);
        Assert.Equal(0, sink.WrongThreadCalls);
        Assert.Equal([("yes", "Create"), ("no", "Create")], sink.Inner.ShouldProcessCalls);
    }

    [Fact]
    public void Output_after_the_command_finished_is_dropped_not_queued_forever()
    {
        ThreadCheckingSink sink = new(Environment.CurrentManagedThreadId);
        using PipelinePump pump = new();
        CmdletOutput output = new(pump, sink);
        pump.Run(Task.Run(() => output.WriteObject("from worker")));
        // After Run the pump thread is no longer registered: a late write from anywhere is dropped, not queued forever.
        output.WriteObject("late");
        Assert.Equal(["from worker"], sink.Inner.Objects);
        Assert.False(output.ShouldProcess("late", "Create"));
        Assert.Empty(sink.Inner.ShouldProcessCalls);
    }

    [Fact]
    public void A_sink_failure_stops_the_pump_and_unblocks_waiting_workers()
    {
        // In PowerShell, WriteObject throws PipelineStoppedException after Ctrl+C.
        using PipelinePump pump = new();
        int calls = 0;
        BufferedOutput inner = new();
        ICommandOutput throwing = new DelegatingSink(inner, onObject: () =>
        {
            if (Interlocked.Increment(ref calls) == 3)
            {
                throw new InvalidOperationException("pipeline stopped");
            }
        });
        CmdletOutput output = new(pump, throwing);
        using ManualResetEventSlim workerAsked = new();
        bool? answer = null;
        Task work = Task.Run(() =>
        {
            for (int i = 0; i < 5; i++)
            {
                output.WriteObject(i);
            }

            answer = output.ShouldProcess("t", "a"); // must not hang once the pump is gone
            workerAsked.Set();
        });

        Assert.Throws<InvalidOperationException>(() => pump.Run(work));
        Assert.True(workerAsked.Wait(TimeSpan.FromSeconds(10)), "the worker stayed blocked in ShouldProcess");
        Assert.False(answer);
        Assert.Equal(2, inner.Objects.Count);
    }

    private sealed class DelegatingSink(BufferedOutput inner, Action onObject) : ICommandOutput
    {
        public void WriteObject(object value) { onObject(); inner.WriteObject(value); }
        public void WriteError(CommandError error) => inner.WriteError(error);
        public void WriteWarning(string message) => inner.WriteWarning(message);
        public void WriteVerbose(string message) => inner.WriteVerbose(message);
        public void WriteProgress(CommandProgress progress) => inner.WriteProgress(progress);
        public bool ShouldProcess(string target, string action) => inner.ShouldProcess(target, action);
    }
}
