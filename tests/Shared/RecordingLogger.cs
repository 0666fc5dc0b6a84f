using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Chat.Testing;

/// <summary>A logger that keeps what it is given, so that a test can wait for a given event.</summary>
public sealed class RecordingLogger<T> : ILogger<T>
{
    private readonly ConcurrentQueue<(int EventId, string Message)> _entries = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<string>> _waiting = new();

    public IReadOnlyList<(int EventId, string Message)> Entries => [.. _entries];

    /// <summary>The message of the first entry with <paramref name="eventId"/>, as soon as there is one.</summary>
    public Task<string> FirstOf(int eventId)
    {
        var waiting = _waiting.GetOrAdd(eventId, _ => new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (_entries.FirstOrDefault(e => e.EventId == eventId) is { Message: { } message })
        {
            waiting.TrySetResult(message);
        }
        return waiting.Task;
    }

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var message = formatter(state, exception);
        _entries.Enqueue((eventId.Id, message));
        if (_waiting.TryGetValue(eventId.Id, out var waiting))
        {
            waiting.TrySetResult(message);
        }
    }

    public bool IsEnabled(LogLevel logLevel) => true;

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
}
