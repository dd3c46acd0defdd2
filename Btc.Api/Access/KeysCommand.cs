using Btc.Hosting.Startup;
using Btc.Data;
using Btc.Data.ApiKeys;
using Npgsql;

namespace Btc.Api.Access;

/// <summary>
/// <c>Btc.Api keys create NAME | list | revoke NAME_OR_PREFIX</c> on ConnectionStrings__Btc: the operator's side of
/// API keys. A created key is printed once and never again (only its hash is kept).
/// </summary>
public static class KeysCommand
{
    private const string Usage = "Usage: keys create NAME | keys list | keys revoke NAME_OR_PREFIX";

    public static async Task<int> RunAsync(
        string[] args, IConfiguration configuration, TextWriter output, TextWriter errors)
    {
        if (args is not (["create", _] or ["list"] or ["revoke", _]))
        {
            await errors.WriteLineAsync(Usage);
            return 2;
        }
        await using var db = BtcConnectionString.CreateDataSource(ConnectionStrings.Primary(configuration));
        var keys = new ApiKeyStore(db);
        try
        {
            switch (args)
            {
                case ["create", var name]:
                    var (created, secret) = await keys.CreateAsync(name);
                    await output.WriteLineAsync(
                        $"Created key '{created.Name}' ({created.Prefix}…). Send it as X-Api-Key; it is shown only " +
                        "now:");
                    await output.WriteLineAsync(secret);
                    return 0;
                case ["list"]:
                    foreach (var key in await keys.ListAsync())
                        await output.WriteLineAsync(
                            $"{key.Prefix}…  {key.Name}  created {key.CreatedAt:yyyy-MM-dd HH:mm} " +
                            $"UTC{(key.RevokedAt is { } at ? $"  revoked {at:yyyy-MM-dd HH:mm} UTC" : "")}");
                    return 0;
                default:
                    if (await keys.RevokeAsync(args[1]))
                    {
                        await output.WriteLineAsync($"Revoked '{args[1]}': requests with it get 401 from now on.");
                        return 0;
                    }
                    await errors.WriteLineAsync(
                        $"No active key is named '{args[1]}' or starts with it; 'keys list' shows them.");
                    return 1;
            }
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            await errors.WriteLineAsync(
                $"An active key is already named '{args[1]}': revoke it first or choose another name.");
            return 1;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            await errors.WriteLineAsync("The database has no api_key table yet: run Btc.Migrations first.");
            return 1;
        }
        catch (NpgsqlException e)
        {
            await errors.WriteLineAsync(
                $"Cannot reach the database ({e.GetBaseException().Message}); is PostgreSQL running and " +
                "ConnectionStrings__Btc right?");
            return 1;
        }
    }
}
