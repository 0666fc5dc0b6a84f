namespace Chat.ServiceDefaults;

/// <summary>
/// Configuration that makes starting unsafe or impossible, found by code rather than by an options
/// validation. <see cref="ServiceHost"/> prints the message (no stack trace: it is for an
/// operator) and exits with <see cref="ServiceHost.BadConfigurationExitCode"/>.
/// </summary>
public sealed class StartupException(string message) : Exception(message);
