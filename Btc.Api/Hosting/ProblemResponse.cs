using Microsoft.AspNetCore.Mvc;

namespace Btc.Api.Hosting;

/// <summary>
/// A problem details answer written from middleware (the key check, the rate limit, a busy database, a deadline):
/// JSON when the client takes it, the detail as plain text when its Accept header takes no JSON — never the 500 the
/// problem details service would throw for want of a writer.
/// </summary>
public static class ProblemResponse
{
    public static async Task WriteAsync(
        HttpContext context, int status, string title, string detail, Exception? exception = null)
    {
        context.Response.StatusCode = status;
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        if (!await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                Exception = exception,
                ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
            }))
            await context.Response.WriteAsync(detail);
    }
}
