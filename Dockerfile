# syntax=docker/dockerfile:1
# The .NET images. One recipe for the three services, chosen by the build argument SERVICE
# (UserService, ChatService or Edge), and, as the target `tests`, the image in which the compose
# `test` profile runs the test suite:
#   docker build --build-arg SERVICE=Edge -t chat-edge .
#   docker build --target tests -t chat-tests .

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS source
WORKDIR /src
COPY . .

FROM source AS publish
ARG SERVICE
RUN test -n "$SERVICE" || { echo "build with --build-arg SERVICE=UserService|ChatService|Edge" >&2; exit 1; }
# The NuGet cache survives between builds without becoming part of any image. `locked`: compose
# builds the three services in parallel, and restores writing one shared cache at once corrupt it.
RUN --mount=type=cache,id=chat-nuget,target=/root/.nuget/packages,sharing=locked \
    dotnet publish "src/$SERVICE/$SERVICE.csproj" -c Release -o /app -p:UseAppHost=false --nologo

# The test suite with everything its fixtures start themselves (Postgres, Redis, nginx, wscat).
# Ubuntu 24.04 ships PostgreSQL 16 where the Postgres fixture looks for 15: the link lets it find it.
FROM source AS tests
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      postgresql redis-server nginx gettext-base curl openssl nodejs npm \
 && rm -rf /var/lib/apt/lists/* \
 && version="$(ls /usr/lib/postgresql | sort -n | tail -1)" \
 && { [ -e /usr/lib/postgresql/15 ] || ln -s "/usr/lib/postgresql/$version" /usr/lib/postgresql/15; } \
 && npm install -g --silent wscat@6
# Packages restored here stay in the image, so the run needs no network.
RUN dotnet build Chat.sln -c Release --nologo
CMD ["scripts/test.sh"]

# The runtime: ASP.NET Core on Alpine (small, and its busybox wget serves the health checks),
# the published service, and the image's unprivileged `app` user.
FROM mcr.microsoft.com/dotnet/aspnet:10.0-alpine AS service
ARG SERVICE
ENV CHAT_SERVICE_ASSEMBLY=Chat.$SERVICE.dll \
    ASPNETCORE_ENVIRONMENT=Production
WORKDIR /app
COPY --from=publish /app .
USER $APP_UID
# exec: dotnet becomes PID 1 and receives docker's SIGTERM for a graceful stop.
ENTRYPOINT ["/bin/sh", "-c", "exec dotnet \"/app/$CHAT_SERVICE_ASSEMBLY\" \"$@\"", "--"]
