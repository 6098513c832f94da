namespace Jormungandr.Fuzz;

/// <summary>
/// Thrown by a target when the code under test broke a property it promises (a wrong exception type, a
/// round trip that changed bytes, a bound exceeded). afl++ records it as a crash; the replay test fails.
/// </summary>
public sealed class InvariantViolation : Exception
{
    /// <summary>Creates the exception.</summary>
    public InvariantViolation()
        : base("A fuzz invariant was broken.")
    {
    }

    /// <summary>Creates the exception with what was broken.</summary>
    public InvariantViolation(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception around the unexpected exception that broke it.</summary>
    public InvariantViolation(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Throws when <paramref name="condition"/> is false.</summary>
    public static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvariantViolation(what);
        }
    }
}
