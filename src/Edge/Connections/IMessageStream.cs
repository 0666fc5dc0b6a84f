using Chat.Edge.Bus;

namespace Chat.Edge.Connections;

/// <summary>
/// What <see cref="ConnectionWriter"/>'s pump hands over for the items whose frames depend on
/// what was written before them: the user's ordered message stream. Called by the pump only, one
/// call at a time; it writes through <see cref="ConnectionWriter.WriteAsync"/>.
/// </summary>
public interface IMessageStream
{
    /// <summary>
    /// Writes what the store holds after the stream's starting point: the first pump's catch-up,
    /// before anything queued.
    /// </summary>
    /// <param name="stop">Cancelled when the connection closes.</param>
    Task CatchUpOnConnectAsync(CancellationToken stop);

    /// <summary>Writes a queued bus event in its place in the stream (or drops it as already written).</summary>
    Task WriteAsync(BusEvent item, CancellationToken stop);

    /// <summary>The pump is about to write the close: nothing more will be written.</summary>
    void Closing();
}
