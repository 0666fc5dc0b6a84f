using Chat.Edge.Inbox;

namespace Chat.Edge.Connections;

/// <summary>
/// The ordering rule of one connection's message stream: every message once, in id order, none
/// skipped. It only decides; <see cref="MessageStream"/> reads the store and writes.
/// <para>
/// A message is written only when its id is after <see cref="LastDelivered"/> (ids are fixed-width
/// digits, so they compare as strings). A live message carries the id of the recipient's message
/// before it: when that is not the last one written here, something in between is still in flight
/// on another replica or was lost by the bus, and the store (where ids become visible in order) is
/// read first. Catch-up reads the store page by page after the last one written; live messages
/// queued meanwhile are then either already written (the seam) or next in line.
/// </para>
/// </summary>
/// <param name="startAfter">
/// Where the stream starts: the client's <c>?after</c>, or the user's delivery mark ("" before
/// their first message).
/// </param>
public sealed class DeliveryOrder(string startAfter)
{
    /// <summary>The id of the last message written to the connection; where a catch-up reads from.</summary>
    public string LastDelivered { get; private set; } = startAfter;

    /// <summary>Where a live message goes, given the id of the message before it (<paramref name="previousId"/>).</summary>
    public LivePlacement Place(string id, string previousId)
    {
        if (!IsNew(id))
        {
            return LivePlacement.AlreadyDelivered;
        }
        return string.Equals(previousId, LastDelivered, StringComparison.Ordinal)
            ? LivePlacement.Deliver
            : LivePlacement.FillGapFirst;
    }

    /// <summary>
    /// A live message after its gap was filled from the store: written by the fill, or still new
    /// because the store did not have it (it is delivered anyway, rather than lost).
    /// </summary>
    public LivePlacement PlaceAfterGapFill(string id) =>
        IsNew(id) ? LivePlacement.Deliver : LivePlacement.AlreadyDelivered;

    /// <summary>True when <paramref name="id"/> comes after everything written so far (a stored message to write).</summary>
    public bool IsNew(string id) => string.CompareOrdinal(id, LastDelivered) > 0;

    /// <summary>Records that the message <paramref name="id"/> was written.</summary>
    public void Delivered(string id) => LastDelivered = id;

    /// <summary>
    /// Where a catch-up reads its next page, or null when <paramref name="page"/> was its last
    /// (the store has no more, or the page is empty).
    /// </summary>
    public static string? NextPageAfter(InboxPage page) =>
        page.HasMore && page.Messages.Count > 0 ? page.Messages[^1].Id : null;
}

/// <summary>What to do with a live message (see <see cref="DeliveryOrder.Place"/>).</summary>
public enum LivePlacement
{
    /// <summary>It is the next message: write it.</summary>
    Deliver,

    /// <summary>A duplicate, or written already by a catch-up or a gap fill: drop it.</summary>
    AlreadyDelivered,

    /// <summary>Its predecessor has not been written: read the store after the last written first.</summary>
    FillGapFirst,
}
