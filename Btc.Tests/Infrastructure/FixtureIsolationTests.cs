using Btc.Data.Coins;
using Dapper;

namespace Btc.Tests.Infrastructure;

// Two classes write the same coin id into their own databases; each must see only its own row.
public sealed class FixtureIsolationFirstTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task A_test_class_sees_only_its_own_rows() =>
        await FixtureIsolation.AssertOwnRowOnlyAsync(db, "first");
}

public sealed class FixtureIsolationSecondTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task A_test_class_sees_only_its_own_rows() =>
        await FixtureIsolation.AssertOwnRowOnlyAsync(db, "second");
}

internal static class FixtureIsolation
{
    public static async Task AssertOwnRowOnlyAsync(DatabaseFixture db, string name)
    {
        await new CoinStore(db.DataSource).UpsertListAsync([new CoinListEntry($"isolation-{name}", name, name)]);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        (await connection.QueryAsync<string>("SELECT id FROM coin")).Should().Equal($"isolation-{name}");
    }
}
