using Microsoft.Extensions.Logging;

namespace Chat.IntegrationTests.Infrastructure;

/// <summary>
/// Puts a <see cref="RecordingLogger{T}"/> behind a host's logging, for a component the host
/// creates its logger for: every category's entries go to the one recorder.
/// </summary>
public sealed class RecordingLoggerProvider(ILogger recorder) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => recorder;

    public void Dispose()
    {
    }
}
