using System.Globalization;

namespace Jormungandr.Cli.Demo;

/// <summary>
/// Resident memory and open descriptors of one process over time (from /proc), with their least-squares
/// slope: a leak shows as a steady positive slope, a healthy process as one near zero.
/// </summary>
internal sealed class ResourceSamples
{
    private readonly List<(double Minutes, double RssKiB, double Fds)> _samples = [];

    /// <summary>Samples taken.</summary>
    public int Count => _samples.Count;

    /// <summary>Reads VmRSS and the fd count of <paramref name="pid"/>; false when the process is gone.</summary>
    public bool Sample(int pid, TimeSpan at)
    {
        try
        {
            string? rss = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            if (rss is null)
            {
                return false;
            }

            double kib = double.Parse(rss["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            int fds = Directory.GetFileSystemEntries($"/proc/{pid}/fd").Length;
            _samples.Add((at.TotalMinutes, kib, fds));
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return false;
        }
    }

    /// <summary>One line: first, last and peak RSS and fds, and their slopes per minute.</summary>
    public string Describe()
    {
        if (_samples.Count == 0)
        {
            return "no samples";
        }

        (double first, double last) = (_samples[0].RssKiB, _samples[^1].RssKiB);

        // The whole run's slope includes the start-up (JIT, GC heap sizing); the second half's shows whether growth goes on.
        var secondHalf = _samples.Skip(_samples.Count / 2).ToList();
        return string.Create(CultureInfo.InvariantCulture,
            $"RSS {first / 1024:F1} → {last / 1024:F1} MiB (peak {_samples.Max(s => s.RssKiB) / 1024:F1}), slope {Slope(_samples, s => s.RssKiB) / 1024:+0.000;-0.000} MiB/min " +
            $"(second half {Slope(secondHalf, s => s.RssKiB) / 1024:+0.000;-0.000}); " +
            $"fds {_samples[0].Fds:F0} → {_samples[^1].Fds:F0} (peak {_samples.Max(s => s.Fds):F0}), slope {Slope(_samples, s => s.Fds):+0.000;-0.000}/min; {_samples.Count} samples");
    }

    /// <summary>The samples as "minute rss-MiB fds" rows, for a plot.</summary>
    public IEnumerable<string> Rows() =>
        _samples.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Minutes:F2} {s.RssKiB / 1024:F1} {s.Fds:F0}"));

    private static double Slope(List<(double Minutes, double RssKiB, double Fds)> samples, Func<(double Minutes, double RssKiB, double Fds), double> value)
    {
        if (samples.Count < 2)
        {
            return 0;
        }

        double mx = samples.Average(s => s.Minutes);
        double my = samples.Average(value);
        double num = samples.Sum(s => (s.Minutes - mx) * (value(s) - my));
        double den = samples.Sum(s => (s.Minutes - mx) * (s.Minutes - mx));
        return den == 0 ? 0 : num / den;
    }
}
