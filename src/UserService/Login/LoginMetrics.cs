using System.Diagnostics.Metrics;

namespace Chat.UserService.Login;

/// <summary>
/// <c>chat.auth.logins</c> (meter <c>Chat.UserService</c>), by outcome: ok, failed (wrong username
/// or password), throttled (refused by <see cref="LoginThrottle"/> without checking). A rising
/// failed or throttled count is password guessing; never labelled with the username.
/// </summary>
public sealed class LoginMetrics
{
    public const string MeterName = "Chat.UserService";

    private readonly Counter<long> _logins;

    public LoginMetrics(IMeterFactory meters)
    {
        _logins = meters.Create(MeterName).CreateCounter<long>("chat.auth.logins", "{login}",
            "Login attempts, by outcome: ok, failed, throttled.");
    }

    public void Succeeded() => Count("ok");

    public void Failed() => Count("failed");

    public void Throttled() => Count("throttled");

    private void Count(string outcome) => _logins.Add(1, new KeyValuePair<string, object?>("chat.outcome", outcome));
}
