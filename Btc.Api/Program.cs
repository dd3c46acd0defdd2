using Btc.Api.Hosting;

// The REST API and the Hangfire dashboard over the workers' database. Runs no Hangfire server.
var builder = WebApplication.CreateBuilder(args);
builder.AddBtcApi();
var app = builder.Build();
app.UseBtcApi();
app.Run();
