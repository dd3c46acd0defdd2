using System.Buffers.Binary;

namespace Btc.Data.Volatility;

/// <summary>
/// Running statistics of one coin's prices in one currency over a stretch of time: count, mean and M2 of the
/// prices (Welford), and of the log returns between consecutive positive prices. Two stretches merge with
/// Chan et al.'s formula, so a window can be assembled from parts without losing precision on large prices.
/// </summary>
public struct SegmentStats
{
    public int N;
    public double Mean;
    public double M2;
    public int LpN;
    public double FirstLp;
    public double LastLp;
    public int RN;
    public double RMean;
    public double RM2;

    /// <summary>Adds the next price in time order.</summary>
    public void Add(double price)
    {
        Welford(ref N, ref Mean, ref M2, price);
        if (price <= 0)
            return;
        var lp = Math.Log(price);
        if (LpN == 0)
            FirstLp = lp;
        else
            Welford(ref RN, ref RMean, ref RM2, lp - LastLp);
        LastLp = lp;
        LpN++;
    }

    /// <summary>The statistics of <paramref name="earlier"/> followed by <paramref name="later"/>.</summary>
    public static SegmentStats Merge(in SegmentStats earlier, in SegmentStats later)
    {
        var merged = earlier;
        Chan(ref merged.N, ref merged.Mean, ref merged.M2, later.N, later.Mean, later.M2);
        Chan(ref merged.RN, ref merged.RMean, ref merged.RM2, later.RN, later.RMean, later.RM2);
        if (later.LpN > 0)
        {
            if (earlier.LpN > 0)
                Welford(ref merged.RN, ref merged.RMean, ref merged.RM2, later.FirstLp - earlier.LastLp);
            else
                merged.FirstLp = later.FirstLp;
            merged.LastLp = later.LastLp;
            merged.LpN += later.LpN;
        }
        return merged;
    }

    /// <summary>The stored form's size: nine little-endian float8 (see M005).</summary>
    public const int Bytes = 9 * sizeof(double);

    public readonly void WriteTo(Span<byte> to)
    {
        ReadOnlySpan<double> values = [N, Mean, M2, LpN, FirstLp, LastLp, RN, RMean, RM2];
        for (var i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteDoubleLittleEndian(to[(i * sizeof(double))..], values[i]);
    }

    public static SegmentStats ReadFrom(ReadOnlySpan<byte> from)
    {
        Span<double> values = stackalloc double[9];
        for (var i = 0; i < values.Length; i++)
            values[i] = BinaryPrimitives.ReadDoubleLittleEndian(from[(i * sizeof(double))..]);
        return new SegmentStats
        {
            N = (int)values[0], Mean = values[1], M2 = values[2],
            LpN = (int)values[3], FirstLp = values[4], LastLp = values[5],
            RN = (int)values[6], RMean = values[7], RM2 = values[8],
        };
    }

    /// <summary>Sample standard deviation of the log returns; null below 3 positive prices.</summary>
    public readonly double? LogReturnStddev => LpN >= 3 ? Math.Sqrt(RM2 / (RN - 1)) : null;

    /// <summary>Sample standard deviation of the prices; null below 2 prices.</summary>
    public readonly double? PriceStddev => N >= 2 ? Math.Sqrt(M2 / (N - 1)) : null;

    private static void Welford(ref int n, ref double mean, ref double m2, double x)
    {
        n++;
        var delta = x - mean;
        mean += delta / n;
        m2 += delta * (x - mean);
    }

    private static void Chan(ref int n, ref double mean, ref double m2, int nB, double meanB, double m2B)
    {
        if (nB == 0)
            return;
        if (n == 0)
        {
            (n, mean, m2) = (nB, meanB, m2B);
            return;
        }
        var total = n + nB;
        var delta = meanB - mean;
        mean += delta * nB / total;
        m2 += m2B + delta * delta * ((double)n * nB / total);
        n = total;
    }
}
