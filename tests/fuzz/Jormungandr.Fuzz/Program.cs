using Jormungandr.Fuzz;

// jormungandr-fuzz list | run TARGET | replay TARGET FILE-OR-DIR... | seeds OUTPUT-DIR
// "run" is what afl-fuzz starts (through SharpFuzz's fork server); "replay" runs inputs directly, to
// reproduce a finding; "seeds" writes the checked-in starting corpus.
if (args.Length == 0)
{
    return Usage();
}

switch (args[0])
{
    case "list":
        foreach (string name in FuzzTargets.All.Keys)
        {
            Console.WriteLine(name);
        }

        return 0;

    case "run" when args.Length == 2 && FuzzTargets.All.TryGetValue(args[1], out FuzzTarget? target):
        // Key generation and JIT of the crypto take seconds: done on the first run (instrumented code may
        // only run inside the fork server), so afl-fuzz's calibration does not see them as one slow input.
        bool warm = false;
        SharpFuzz.Fuzzer.OutOfProcess.Run(stream =>
        {
            if (!warm)
            {
                warm = true;
                FuzzTargets.Warm(args[1]);
            }

            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            target(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        });
        return 0;

    case "replay" when args.Length >= 3 && FuzzTargets.All.TryGetValue(args[1], out FuzzTarget? target):
        int failed = 0;
        foreach (string file in args.Skip(2).SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p).Order(StringComparer.Ordinal) : (IEnumerable<string>)[p]))
        {
            try
            {
                target(File.ReadAllBytes(file));
            }
            catch (Exception ex)
            {
                failed++;
                Console.Error.WriteLine($"{file}: {ex}");
            }
        }

        Console.WriteLine(failed == 0 ? "all inputs passed" : $"{failed} input(s) failed");
        return failed == 0 ? 0 : 1;

    case "seeds" when args.Length == 2:
        SeedCorpus.WriteAll(args[1]);
        return 0;

    default:
        return Usage();
}

static int Usage()
{
    Console.Error.WriteLine("usage: Jormungandr.Fuzz list | run TARGET | replay TARGET FILE-OR-DIR... | seeds OUTPUT-DIR");
    Console.Error.WriteLine("targets: " + string.Join(", ", FuzzTargets.All.Keys));
    return 2;
}
