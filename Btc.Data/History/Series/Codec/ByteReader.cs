using System.Buffers.Binary;

namespace Btc.Data.History.Series.Codec;

/// <summary>
/// Reads what <see cref="ByteWriter"/> wrote; a malformed input throws <see cref="InvalidDataException"/>.
/// </summary>
internal ref struct ByteReader(ReadOnlySpan<byte> bytes)
{
    private readonly ReadOnlySpan<byte> _bytes = bytes;
    private ulong _bits;
    private int _bitCount;

    public int Position { get; private set; }

    public readonly bool AtEnd => Position == _bytes.Length;

    public byte Byte()
    {
        if (Position >= _bytes.Length)
            throw new InvalidDataException("The encoded piece ends early.");
        return _bytes[Position++];
    }

    public ulong VarUInt()
    {
        ulong value = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            var b = Byte();
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
                return value;
        }
        throw new InvalidDataException("A varint is longer than ten bytes.");
    }

    public long VarInt() => ZigZag.Decode(VarUInt());

    public int Count()
    {
        var value = VarUInt();
        return value <= int.MaxValue ? (int)value : throw new InvalidDataException("A count is out of range.");
    }

    public double Double()
    {
        var bits = BinaryPrimitives.ReadInt64LittleEndian(Take(8));
        return BitConverter.Int64BitsToDouble(bits);
    }

    public ReadOnlySpan<byte> Take(int length)
    {
        if (length < 0 || Position + length > _bytes.Length)
            throw new InvalidDataException("The encoded piece ends early.");
        var span = _bytes.Slice(Position, length);
        Position += length;
        return span;
    }

    public void Skip(int length) => Take(length);

    /// <summary>The next <paramref name="width"/> bits of a packed run begun at a byte boundary.</summary>
    public ulong Bits(int width)
    {
        if (width > 32)
        {
            var low = Bits(32);
            return low | Bits(width - 32) << 32;
        }
        while (_bitCount < width)
        {
            _bits |= (ulong)Byte() << _bitCount;
            _bitCount += 8;
        }
        var value = _bits & ByteWriter.Mask(width);
        _bits >>= width;
        _bitCount -= width;
        return value;
    }

    /// <summary>
    /// A whole packed run of <paramref name="values"/>.Length values at one width (≤ 56 bits: one unaligned 8-byte
    /// load each, the bottleneck of a column's decode otherwise).
    /// </summary>
    public void Packed(Span<ulong> values, int width)
    {
        var run = Take((int)(((long)values.Length * width + 7) / 8));
        var mask = ByteWriter.Mask(width);
        for (var i = 0; i < values.Length; i++)
        {
            var bit = (long)i * width;
            var at = (int)(bit >> 3);
            if (width <= 56 && at + 8 <= run.Length)
            {
                values[i] = BinaryPrimitives.ReadUInt64LittleEndian(run[at..]) >> (int)(bit & 7) & mask;
                continue;
            }
            var value = 0UL;
            for (var b = 0; b < width; b++, bit++)
                value |= (ulong)(run[(int)(bit >> 3)] >> (int)(bit & 7) & 1) << b;
            values[i] = value;
        }
    }

    /// <summary>Drops the rest of the packed run's last byte.</summary>
    public void EndBits() => (_bits, _bitCount) = (0, 0);
}
