using Btc.Data.Copy;
using Btc.Tests.Infrastructure;
using Dapper;

namespace Btc.Tests.Copy;

/// <summary>Our binary COPY writer and reader against PostgreSQL's own importer and exporter.</summary>
public sealed class BinaryCopyTests
{
    private static readonly DateTime At = new(2026, 11, 29, 12, 34, 56, 789, DateTimeKind.Utc);

    [Fact]
    public async Task The_writer_s_rows_are_what_PostgreSQL_imports_with_nulls_extremes_and_over_a_buffer_of_rows()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        await using var connection = await db.DataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("CREATE TEMP TABLE copied (i integer, t timestamptz, d double precision)");
        // 10,000 rows of 38 bytes: several times the writer's first buffer.
        var rows = Enumerable.Range(0, 10_000).Select(n => (
            I: n switch { 0 => int.MinValue, 1 => int.MaxValue, _ => n },
            T: At.AddSeconds(n).AddTicks(n % 10 * 10), // microsecond steps: what timestamptz keeps
            D: n switch
            {
                2 => (double?)null,
                3 => double.MaxValue,
                4 => double.Epsilon,
                5 => -0.000123,
                _ => n * 1.5,
            })).ToArray();

        var writer = new BinaryCopyWriter();
        foreach (var (i, t, d) in rows)
        {
            writer.StartRow(3, 2 + 8 + 12 + 12);
            writer.WriteInt32(i);
            writer.WriteTimestamp(t);
            writer.WriteDouble(d);
        }
        writer.Finish();
        await using (var copy = await connection.BeginRawBinaryCopyAsync("COPY copied FROM STDIN (FORMAT BINARY)"))
            await copy.WriteAsync(writer.Written);

        var imported = (await connection.QueryAsync<(int I, DateTime T, double? D)>(
            "SELECT i, t, d FROM copied ORDER BY t"))
            .ToArray();
        imported.Select(r => (r.I, r.T.ToUniversalTime(), r.D)).Should().Equal(rows);
    }

    [Fact]
    public async Task The_reader_reads_what_PostgreSQL_exports_nulls_and_a_value_larger_than_its_buffer_included()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        await using var connection = await db.DataSource.OpenConnectionAsync();
        // three times the reader's buffer
        var large = Enumerable.Range(0, 200_000).Select(n => (byte)(n * 7)).ToArray();
        await connection.ExecuteAsync("""
            CREATE TEMP TABLE exported (n integer, i integer, t timestamptz, d double precision, b bytea);
            INSERT INTO exported VALUES
                (1, -7, @At, NULL, '\x'), (2, 2147483647, @At, 1e300, @large), (3, 0, @At, -2.5, '\x0102');
            """, new { At, large });

        var read = new List<(int I, DateTime T, double? D, byte[] B)>();
        await using (var copy = await connection.BeginRawBinaryCopyAsync(
            "COPY (SELECT i, t, d, b FROM exported ORDER BY n) TO STDOUT (FORMAT BINARY)"))
        {
            var reader = new BinaryCopyReader(copy);
            while (await reader.NextRowAsync(2 + 8 + 12 + 12 + 4 + large.Length, CancellationToken.None))
            {
                var i = reader.ReadInt32();
                var t = reader.ReadTimestamp();
                double? d = reader.TryReadDouble(out var value) ? value : null;
                read.Add((i, t, d, reader.ReadBytes().ToArray()));
            }
        }

        read.Should().HaveCount(3);
        read.Select(r => (r.I, r.T, r.D))
            .Should().Equal((-7, At, (double?)null), (int.MaxValue, At, 1e300), (0, At, -2.5));
        read[0].B.Should().BeEmpty();
        read[1].B.Should().Equal(large);
        read[2].B.Should().Equal([1, 2]);
    }
}
