using System.Buffers.Binary;

namespace Btc.Data.Copy;

/// <summary>
/// Writes rows of PostgreSQL's binary COPY format (see "Binary Format" in the COPY documentation) into a buffer, for
/// a raw COPY stream. A page job copies 100 rows of 65 fields; Npgsql's importer resolves every column's type on
/// its first row, which costs more than writing the rows themselves.
/// </summary>
internal sealed class BinaryCopyWriter
{
    private byte[] _buffer = new byte[1 << 16];
    private int _length;

    public BinaryCopyWriter()
    {
        // The signature, then no flags and no header extension: zeros.
        BinaryCopyFormat.Signature.CopyTo(_buffer, 0);
        _length = BinaryCopyFormat.HeaderBytes;
    }

    public ReadOnlyMemory<byte> Written => _buffer.AsMemory(0, _length);

    /// <summary>
    /// Starts a row of <paramref name="fields"/> fields taking at most <paramref name="maxRowBytes"/> in all.
    /// </summary>
    public void StartRow(short fields, int maxRowBytes)
    {
        if (_buffer.Length - _length < maxRowBytes + 2)
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + maxRowBytes + 2));
        Put16(fields);
    }

    public void WriteInt32(int value)
    {
        Put32(4);
        Put32(value);
    }

    public void WriteTimestamp(DateTime utc)
    {
        Put32(8);
        BinaryPrimitives.WriteInt64BigEndian(_buffer.AsSpan(_length), (utc - BinaryCopyFormat.Epoch).Ticks / 10);
        _length += 8;
    }

    public void WriteDouble(double? value)
    {
        if (value is not { } v)
        {
            Put32(-1);
            return;
        }
        Put32(8);
        BinaryPrimitives.WriteDoubleBigEndian(_buffer.AsSpan(_length), v);
        _length += 8;
    }

    /// <summary>The trailer; once, after the last row.</summary>
    public void Finish() => StartRow(-1, 0);

    private void Put16(short value)
    {
        BinaryPrimitives.WriteInt16BigEndian(_buffer.AsSpan(_length), value);
        _length += 2;
    }

    private void Put32(int value)
    {
        BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(_length), value);
        _length += 4;
    }
}
