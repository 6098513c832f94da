namespace Jormungandr.Protocol;

/// <summary>Size-bucket padding of data plaintext: 64, 256, 512, then the largest one datagram carries.</summary>
public static class Padding
{
    private const int Bucket1 = 64;
    private const int Bucket2 = 256;
    private const int Bucket3 = 512;

    /// <summary>
    /// Length the plaintext is padded to. With <paramref name="enabled"/> false, the length itself.
    /// Never more than <paramref name="maxPlaintext"/> (and never less than <paramref name="length"/>).
    /// </summary>
    public static int PaddedLength(int length, int maxPlaintext, bool enabled)
    {
        if (!enabled || length >= maxPlaintext)
        {
            return length;
        }

        int padded = length <= Bucket1 ? Bucket1 : length <= Bucket2 ? Bucket2 : length <= Bucket3 ? Bucket3 : maxPlaintext;
        return Math.Min(padded, maxPlaintext);
    }
}
