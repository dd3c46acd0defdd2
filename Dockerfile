# One build for every service; compose picks a runtime stage with `target:` (healthchecks live in compose.yaml).
# Images are pinned to the patch: the SDK to a version global.json allows, so a newer SDK's analyzers cannot
# break a build that passed, and every runtime stage to the same runtime.

FROM mcr.microsoft.com/dotnet/sdk:10.0.401 AS build
WORKDIR /src
# Restore in its own layer: it changes only when a project file or a package version does.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY Btc.Api/Btc.Api.csproj Btc.Api/
COPY Btc.Worker/Btc.Worker.csproj Btc.Worker/
COPY Btc.Data/Btc.Data.csproj Btc.Data/
COPY Btc.Hosting/Btc.Hosting.csproj Btc.Hosting/
COPY Btc.Migrations/Btc.Migrations.csproj Btc.Migrations/
COPY tools/CoinGecko.Simulator/CoinGecko.Simulator.csproj tools/CoinGecko.Simulator/
RUN dotnet restore Btc.Api \
 && dotnet restore Btc.Worker \
 && dotnet restore Btc.Migrations \
 && dotnet restore tools/CoinGecko.Simulator
COPY . .
RUN dotnet publish Btc.Api -c Release --no-restore -o /out/api \
 && dotnet publish Btc.Worker -c Release --no-restore -o /out/worker \
 && dotnet publish Btc.Migrations -c Release --no-restore -o /out/migrate \
 && dotnet publish tools/CoinGecko.Simulator -c Release --no-restore -o /out/simulator

FROM mcr.microsoft.com/dotnet/runtime:10.0.12 AS migrate
WORKDIR /app
COPY --from=build /out/migrate .
USER $APP_UID
ENTRYPOINT ["dotnet", "Btc.Migrations.dll"]

# The worker hosts Hangfire, which needs the ASP.NET Core shared framework.
FROM mcr.microsoft.com/dotnet/aspnet:10.0.12 AS worker
WORKDIR /app
COPY --from=build /out/worker .
USER $APP_UID
ENV Worker__HeartbeatFile=/tmp/btc-worker.alive
ENTRYPOINT ["dotnet", "Btc.Worker.dll"]

FROM mcr.microsoft.com/dotnet/aspnet:10.0.12 AS api
WORKDIR /app
COPY --from=build /out/api .
USER $APP_UID
EXPOSE 8080
ENTRYPOINT ["dotnet", "Btc.Api.dll"]

FROM mcr.microsoft.com/dotnet/aspnet:10.0.12 AS simulator
WORKDIR /app
COPY --from=build /out/simulator .
USER $APP_UID
EXPOSE 8080
ENTRYPOINT ["dotnet", "CoinGecko.Simulator.dll"]
