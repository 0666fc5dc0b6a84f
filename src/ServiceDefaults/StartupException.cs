namespace Chat.ServiceDefaults;

/// <summary>
/// Configuration that makes starting unsafe or impossible. Program prints the message (no stack
/// trace: it is for an operator) and exits with a failure code.
/// </summary>
public sealed class StartupException(string message) : Exception(message);
