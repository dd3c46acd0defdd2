using System.Buffers.Binary;

namespace Btc.Data.Copy;

/// <summary>
/// Reads rows of PostgreSQL's binary COPY format (see "Binary Format" in the COPY documentation) straight from
/// the wire. The rank recompute reads tens of millions of prices a minute; through a data reader each costs two
/// calls (null check, value) several times dearer than the decoding itself.
/// </summary>
internal sealed class BinaryCopyReader(Stream stream)
{
    private byte[] _buffer = new byte[1 << 16];
    private int _position;
    private int _length;
    private bool _headerRead;

    /// <summary>
    /// Moves to the next row, buffering at least <paramref name="maxRowBytes"/> of it; false after the last.
    /// </summary>
    public async ValueTask<bool> NextRowAsync(int maxRowBytes, CancellationToken ct)
    {
        if (!_headerRead)
        {
            await FillAsync(BinaryCopyFormat.HeaderBytes, ct);
            if (_length < BinaryCopyFormat.HeaderBytes
                || !_buffer.AsSpan(0, BinaryCopyFormat.Signature.Length).SequenceEqual(BinaryCopyFormat.Signature))
                throw new InvalidDataException("Not PostgreSQL binary COPY data.");
            _position = BinaryCopyFormat.HeaderBytes + Int32At(BinaryCopyFormat.HeaderBytes - 4);
            _headerRead = true;
        }
        await FillAsync(maxRowBytes, ct);
        if (_length - _position < 2)
            throw new InvalidDataException("Binary COPY data ended without its trailer.");
        var fields = BinaryPrimitives.ReadInt16BigEndian(_buffer.AsSpan(_position));
        _position += 2;
        return fields != -1;
    }

    public int ReadInt32()
    {
        var value = Int32At(_position + 4);
        _position += 8;
        return value;
    }

    public DateTime ReadTimestamp()
    {
        var microseconds = BinaryPrimitives.ReadInt64BigEndian(_buffer.AsSpan(_position + 4));
        _position += 12;
        return BinaryCopyFormat.Epoch.AddTicks(microseconds * 10);
    }

    /// <summary>A double precision field; false for NULL.</summary>
    public bool TryReadDouble(out double value)
    {
        var length = Int32At(_position);
        if (length < 0)
        {
            _position += 4;
            value = 0;
            return false;
        }
        value = BinaryPrimitives.ReadDoubleBigEndian(_buffer.AsSpan(_position + 4));
        _position += 12;
        return true;
    }

    /// <summary>A bytea field, valid until the next row.</summary>
    public ReadOnlySpan<byte> ReadBytes()
    {
        var length = Int32At(_position);
        var bytes = _buffer.AsSpan(_position + 4, length);
        _position += 4 + length;
        return bytes;
    }

    private int Int32At(int at) => BinaryPrimitives.ReadInt32BigEndian(_buffer.AsSpan(at));

    /// <summary>Makes <paramref name="bytes"/> available from the current position, or all that is left.</summary>
    private async ValueTask FillAsync(int bytes, CancellationToken ct)
    {
        if (_length - _position >= bytes)
            return;
        _buffer.AsSpan(_position, _length - _position).CopyTo(_buffer);
        _length -= _position;
        _position = 0;
        if (bytes > _buffer.Length)
            Array.Resize(ref _buffer, Math.Max(bytes, _buffer.Length * 2)); // a row larger than any before
        while (_length < bytes)
        {
            var read = await stream.ReadAsync(_buffer.AsMemory(_length), ct);
            if (read == 0)
                return;
            _length += read;
        }
    }
}
