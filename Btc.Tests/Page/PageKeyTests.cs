using Btc.Data.ApiKeys;
using OpenQA.Selenium;

namespace Btc.Tests.Page;

/// <summary>The API process with keys required: the page holds no data, so it needs none, but asks for one.</summary>
public sealed class PageKeyFixture : PageFixture
{
    protected override (string, string)[] ApiSettings => [("Api__RequireKey", "true")];
}

public sealed class PageKeyTests(PageKeyFixture page) : IClassFixture<PageKeyFixture>, IDisposable
{
    private PageBrowser Browser => page.Browser;

    [Fact]
    public async Task The_page_asks_for_a_key_works_with_it_and_says_so_when_it_is_revoked()
    {
        var (_, secret) = await new ApiKeyStore(page.DataSource).CreateAsync("page-test");
        Browser.Open(page.Page("/app/coins/bitcoin?currency=usd&window=24h"));
        Browser.Until(() => Browser.Find("#key-form").Displayed, "the key prompt");
        Browser.Text("key-reason").Should().Contain("This API needs a key");

        Browser.Find("#key-input").SendKeys(secret + Keys.Enter);
        Browser.WaitForView("bitcoin|usd|24h");
        Browser.Find("#key-form").Displayed.Should().BeFalse();
        Browser.Script("return localStorage.getItem('btc.apiKey')").Should().Be(secret);
        Browser.Page().Should().NotContain(secret, "the key goes in a header, never in the page's address");

        (await new ApiKeyStore(page.DataSource).RevokeAsync("page-test")).Should().BeTrue();
        // The API keeps what it knows of keys for up to 10 s: the page is asked again until it hears.
        Browser.Until(() =>
        {
            Browser.Find("[data-window='1h']").Click();
            return Browser.Find("#key-form").Displayed;
        }, "the revoked key refused");
        Browser.Text("key-reason").Should().Contain("refused the key").And.Contain("revoked");
    }

    public void Dispose() => Browser.PageProblems().Should().BeEmpty();
}
