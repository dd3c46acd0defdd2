namespace Btc.Data.History.Series.Codec;

/// <summary>How one currency's values in a piece are stored; the encoder takes whichever is smallest.</summary>
public enum ColumnMode : byte
{
    /// <summary>No value at any sample time.</summary>
    Absent = 0,

    /// <summary>8 bytes a value: the bound no column exceeds.</summary>
    Raw = 1,

    /// <summary>
    /// Each value XOR the previous one, its zero bytes at either end dropped (Gorilla's idea, bytewise).
    /// </summary>
    Xor = 2,

    /// <summary>Integers m × 10^q at one scale q, delta-encoded and bit-packed (ALP's idea): a walk in time.</summary>
    Decimal = 3,

    /// <summary>
    /// Residuals from round15(base value × the sample's rate): zero when CoinGecko's rate model holds.
    /// </summary>
    Predicted = 4,
}
