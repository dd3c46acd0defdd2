namespace Btc.Api.Stocks;

/// <summary>A JSON body already serialized (as <see cref="ServedDataCache"/> keeps answers).</summary>
public sealed class JsonBytes(byte[] body) : IResult
{
    public Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.ContentType = "application/json; charset=utf-8";
        httpContext.Response.ContentLength = body.Length;
        return httpContext.Response.Body.WriteAsync(body).AsTask();
    }
}
