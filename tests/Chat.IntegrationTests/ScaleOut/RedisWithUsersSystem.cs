using Chat.IntegrationTests.Infrastructure;

namespace Chat.IntegrationTests.ScaleOut;

/// <summary>
/// Two Edge replicas on a Redis started as docker-compose.yml starts it (<c>redis/start.sh</c>),
/// connected as its <c>edge</c> user, whom <c>redis/edge-user.acl</c> limits.
/// </summary>
public sealed class RedisWithUsersSystem : ScaleOutSystem
{
    protected override async Task<string> StartRedisAsync()
    {
        Redis = await RedisServer.StartWithUsersAsync();
        return Redis.EdgeConnectionString;
    }
}
