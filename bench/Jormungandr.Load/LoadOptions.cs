using System.Globalization;

namespace Jormungandr.Load;

/// <summary>Command-line options of the load tool (see <see cref="Usage"/>).</summary>
internal sealed class LoadOptions
{
    public const string Usage = """
        Usage: Jormungandr.Load --snek PATH [options]   (inside a lab network namespace, as root)
          --snek PATH            snek apphost or snek.dll that runs the server
          -n, --clients N        simulated clients, 1..4000 (default 100)
          --per-prefix K         clients per source /24, 1..250 (default 4; the server limits handshakes per /24)
          --forward-seconds S    forwarding phase length (default 5)
          --idle-seconds S       idle time before the memory reading (default 3)
          --window W             echo requests in flight at most (default 256)
          --max-handshaking K    client handshakes in flight at most in this process (default 0: no bound;
                                 a bound stands for clients with CPUs of their own instead of sharing these)
          --phase-timeout S      longest wait for all clients in one phase (default 300)
          --deadline S           the whole run (default 900)
          --no-restart           skip the server-restart phase
          --no-jitter            reconnect after exactly 250 ms, 500 ms, 1 s, ... (as snek connect does today)
          --work-dir DIR         keys, state and the server log (default: a new directory under /tmp, removed after)
          --json                 print the report as JSON instead of a table
        """;

    public int Clients { get; private set; } = 100;

    public int PerPrefix { get; private set; } = 4;

    public string? Snek { get; private set; }

    public TimeSpan ForwardTime { get; private set; } = TimeSpan.FromSeconds(5);

    public TimeSpan IdleTime { get; private set; } = TimeSpan.FromSeconds(3);

    public int Window { get; private set; } = 256;

    /// <summary>Most client handshakes in flight at once in this process; 0 for no bound.</summary>
    public int MaxHandshaking { get; private set; }

    public TimeSpan PhaseTimeout { get; private set; } = TimeSpan.FromSeconds(300);

    public TimeSpan Deadline { get; private set; } = TimeSpan.FromSeconds(900);

    public bool Restart { get; private set; } = true;

    /// <summary>Reconnect delays without jitter (the full step each time), for comparison.</summary>
    public bool NoJitter { get; private set; }

    public string? WorkDirectory { get; private set; }

    public bool Json { get; private set; }

    /// <summary>Parses <paramref name="args"/>; throws <see cref="ArgumentException"/> with a one-line reason.</summary>
    public static LoadOptions Parse(IReadOnlyList<string> args)
    {
        var o = new LoadOptions();
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{a} needs a value.");
            int Int(int min, int max)
            {
                string v = Value();
                return int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= min && n <= max
                    ? n : throw new ArgumentException($"{a} must be a whole number from {min} to {max}, not '{v}'.");
            }

            switch (a)
            {
                case "--snek": o.Snek = Value(); break;
                case "-n" or "--clients": o.Clients = Int(1, 4000); break;
                case "--per-prefix": o.PerPrefix = Int(1, 250); break;
                case "--forward-seconds": o.ForwardTime = TimeSpan.FromSeconds(Int(0, 600)); break;
                case "--idle-seconds": o.IdleTime = TimeSpan.FromSeconds(Int(0, 600)); break;
                case "--window": o.Window = Int(1, 65536); break;
                case "--max-handshaking": o.MaxHandshaking = Int(0, 4000); break;
                case "--phase-timeout": o.PhaseTimeout = TimeSpan.FromSeconds(Int(1, 3600)); break;
                case "--deadline": o.Deadline = TimeSpan.FromSeconds(Int(1, 7200)); break;
                case "--no-restart": o.Restart = false; break;
                case "--no-jitter": o.NoJitter = true; break;
                case "--work-dir": o.WorkDirectory = Value(); break;
                case "--json": o.Json = true; break;
                default: throw new ArgumentException($"Unknown option '{a}'.");
            }
        }

        if (o.Snek is null)
        {
            throw new ArgumentException("--snek is required.");
        }

        if ((o.Clients + o.PerPrefix - 1) / o.PerPrefix > 250)
        {
            throw new ArgumentException($"{o.Clients} clients at {o.PerPrefix} per /24 need more than the 250 source /24s of 198.18.1.0-198.18.250.255; raise --per-prefix.");
        }

        return o;
    }
}
