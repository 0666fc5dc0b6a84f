using Chat.Contracts;
using Chat.Contracts.User.V1;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Chat.Edge.Connections;

/// <summary>
/// Closes, with 1008 "session ended", every WebSocket of this replica whose session has ended,
/// however it ended: logout or revocation through any replica, a password change, refresh-token
/// reuse, or an operator's grpcurl. Every <see cref="SessionCheckOptions.SessionCheckInterval"/> it
/// asks UserService which of its connections' sessions have ended — one call per
/// <see cref="SessionLimits.MaxSessionsPerCheck"/> distinct sessions, not one per connection.
/// While UserService cannot answer, connections stay open (as they do on a token check that
/// cannot be made) and the next round asks again.
/// </summary>
public sealed partial class EndedSessionWatch(
    ConnectionRegistry connections,
    UserService.UserServiceClient users,
    IOptions<SessionCheckOptions> options,
    TimeProvider clock,
    ILogger<EndedSessionWatch> logger) : BackgroundService
{
    private bool _failing;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SessionCheckInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await CheckOnceAsync(stoppingToken);
                _failing = false;
            }
            catch (RpcException e) when (!stoppingToken.IsCancellationRequested)
            {
                if (!_failing)
                {
                    LogCheckFailed(logger, e.StatusCode);
                }
                _failing = true;
            }
        }
    }

    /// <summary>One round: asks about every session with an open connection here, closes the ended ones' connections.</summary>
    public async Task CheckOnceAsync(CancellationToken cancellationToken)
    {
        var bySession = connections.Connections.GroupBy(c => c.SessionId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        foreach (var chunk in bySession.Keys.Chunk(SessionLimits.MaxSessionsPerCheck))
        {
            var request = new EndedSessionsRequest();
            request.SessionIds.AddRange(chunk);
            var answer = await users.EndedSessionsAsync(request, cancellationToken: cancellationToken);
            foreach (var ended in answer.SessionIds)
            {
                if (bySession.TryGetValue(ended, out var open))
                {
                    open.ForEach(c => c.CloseForEndedSession());
                    LogClosed(logger, open[0].User, open.Count);
                }
            }
        }
    }

    [LoggerMessage(EventId = 890, Level = LogLevel.Information, Message = "Closing {Count} WebSockets of {User}: their session ended")]
    private static partial void LogClosed(ILogger logger, string user, int count);

    [LoggerMessage(EventId = 891, Level = LogLevel.Warning, Message = "Cannot check for ended sessions: UserService answered {Status}; connections stay open until it answers")]
    private static partial void LogCheckFailed(ILogger logger, StatusCode status);
}
