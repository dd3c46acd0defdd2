using FluentMigrator;

namespace Btc.Migrations.Migrations;

[Migration(1, "Coins and currencies")]
public sealed class M001_CoinsAndCurrencies : Migration
{
    /// <summary>The vs-currencies CoinGecko served when the service was designed, in the order their price columns take.</summary>
    public static readonly string[] SeededCurrencies =
    [
        "btc", "eth", "ltc", "bch", "bnb", "eos", "xrp", "xlm", "link", "dot", "yfi", "usd", "aed", "ars", "aud", "bdt",
        "bhd", "bmd", "brl", "cad", "chf", "clp", "cny", "czk", "dkk", "eur", "gbp", "gel", "hkd", "huf", "idr", "ils",
        "inr", "jpy", "krw", "kwd", "lkr", "mmk", "mxn", "myr", "ngn", "nok", "nzd", "php", "pkr", "pln", "rub", "sar",
        "sek", "sgd", "thb", "try", "twd", "uah", "vef", "vnd", "zar", "xdr", "xag", "xau", "bits", "sats",
    ];

    public override void Up()
    {
        // COLLATE "C" makes ORDER BY id the code-point order CoinGecko users know from Python's sorted().
        Execute.Sql("""
            CREATE TABLE coin (
                coin_key      integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                id            text COLLATE "C" NOT NULL UNIQUE,
                symbol        text NOT NULL,
                name          text NOT NULL,
                first_seen_at timestamptz NOT NULL DEFAULT now(),
                last_seen_at  timestamptz NOT NULL DEFAULT now(),
                is_tracked    boolean NOT NULL DEFAULT false
            );

            -- A seeded currency's prices live in a price_sample column of the same name; a currency CoinGecko
            -- adds later (column_name NULL) lives in price_sample_extra, so it needs no migration.
            CREATE TABLE currency (
                currency_key smallint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                code         text NOT NULL UNIQUE,
                column_name  text UNIQUE,
                added_at     timestamptz NOT NULL DEFAULT now()
            );
            """);

        var values = string.Join(",\n", SeededCurrencies.Select(c => $"('{c}', '{c}')"));
        Execute.Sql($"INSERT INTO currency (code, column_name) VALUES\n{values};");
    }

    public override void Down() => Execute.Sql("DROP TABLE currency; DROP TABLE coin;");
}
