using System.Buffers.Binary;

namespace Btc.Data.History.Series.Codec;

/// <summary>A growable little-endian byte buffer with LEB128 varints and an LSB-first bit packer.</summary>
internal sealed class ByteWriter(int capacity = 256)
{
    private byte[] _buffer = new byte[capacity];
    private ulong _bits;
    private int _bitCount;

    public int Length { get; private set; }

    public void Byte(byte value)
    {
        Ensure(1);
        _buffer[Length++] = value;
    }

    public void VarUInt(ulong value)
    {
        Ensure(10);
        while (value >= 0x80)
        {
            _buffer[Length++] = (byte)(value | 0x80);
            value >>= 7;
        }
        _buffer[Length++] = (byte)value;
    }

    public void VarInt(long value) => VarUInt(ZigZag.Encode(value));

    public void Double(double value)
    {
        Ensure(8);
        BinaryPrimitives.WriteInt64LittleEndian(_buffer.AsSpan(Length), BitConverter.DoubleToInt64Bits(value));
        Length += 8;
    }

    public void Bytes(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(Length));
        Length += bytes.Length;
    }

    /// <summary>Appends the low <paramref name="width"/> bits; <see cref="FlushBits"/> ends the packed run.</summary>
    public void Bits(ulong value, int width)
    {
        if (width > 32)
        {
            Bits(value & 0xFFFF_FFFF, 32);
            Bits(value >> 32, width - 32);
            return;
        }
        // At most 7 bits are pending here, so 32 more fit in the accumulator.
        _bits |= (value & Mask(width)) << _bitCount;
        _bitCount += width;
        while (_bitCount >= 8)
        {
            Byte((byte)_bits);
            _bits >>= 8;
            _bitCount -= 8;
        }
    }

    public void FlushBits()
    {
        if (_bitCount > 0)
            Byte((byte)_bits);
        (_bits, _bitCount) = (0, 0);
    }

    public byte[] ToArray() => _buffer.AsSpan(0, Length).ToArray();

    public static ulong Mask(int width) => width >= 64 ? ulong.MaxValue : (1UL << width) - 1;

    private void Ensure(int more)
    {
        if (Length + more > _buffer.Length)
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, Length + more));
    }
}
