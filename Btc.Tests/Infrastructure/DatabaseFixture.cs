using Btc.Data;
using Npgsql;

namespace Btc.Tests.Infrastructure;

/// <summary>A fresh, migrated database, dropped on dispose: per test class as a fixture, or per test.</summary>
public class DatabaseFixture : IAsyncLifetime, IAsyncDisposable
{
    public string ConnectionString { get; private set; } = "";
    public NpgsqlDataSource DataSource { get; private set; } = null!;

    public static async Task<DatabaseFixture> CreateAsync()
    {
        var db = new DatabaseFixture();
        await db.InitializeAsync();
        return db;
    }

    public virtual async Task InitializeAsync()
    {
        ConnectionString = await TestPostgres.CreateDatabaseAsync();
        DataSource = BtcConnectionString.CreateDataSource(ConnectionString);
    }

    public virtual async Task DisposeAsync()
    {
        await DataSource.DisposeAsync();
        await TestPostgres.DropDatabaseAsync(ConnectionString);
    }

    async ValueTask IAsyncDisposable.DisposeAsync() => await DisposeAsync();
}
