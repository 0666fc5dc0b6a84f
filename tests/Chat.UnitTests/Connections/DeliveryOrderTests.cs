using Chat.Contracts;
using Chat.Edge.Connections;
using Chat.Edge.Inbox;

namespace Chat.UnitTests.Connections;

public class DeliveryOrderTests
{
    /// <summary>The wire form of message id <paramref name="n"/> (0 is "", before every message).</summary>
    private static string Id(long n) => MessageId.Format(n);

    /// <summary>Writes the stored messages of one catch-up page as <see cref="MessageStream"/> does; returns the ids written.</summary>
    private static List<string> WriteStored(DeliveryOrder order, params long[] stored)
    {
        var written = new List<string>();
        foreach (var id in stored.Select(Id))
        {
            if (order.IsNew(id))
            {
                order.Delivered(id);
                written.Add(id);
            }
        }
        return written;
    }

    [Fact]
    public void The_first_message_ever_follows_the_empty_start()
    {
        var order = new DeliveryOrder(startAfter: "");
        Assert.Equal(LivePlacement.Deliver, order.Place(Id(1), previousId: ""));
    }

    [Fact]
    public void Live_messages_in_order_are_each_delivered()
    {
        var order = new DeliveryOrder(Id(4));
        for (var n = 5; n <= 8; n++)
        {
            Assert.Equal(LivePlacement.Deliver, order.Place(Id(n), Id(n - 1)));
            order.Delivered(Id(n));
        }
        Assert.Equal(Id(8), order.LastDelivered);
    }

    [Fact]
    public void Ids_compare_by_number_not_by_their_shortest_text()
    {
        // 10 after 9: fixed width makes the ordinal order the numeric one.
        var order = new DeliveryOrder(Id(9));
        Assert.Equal(LivePlacement.Deliver, order.Place(Id(10), Id(9)));
        Assert.True(order.IsNew(Id(10)));
        Assert.False(order.IsNew(Id(9)));
    }

    [Fact]
    public void A_live_message_whose_predecessor_was_not_written_fills_the_gap_from_the_store_first()
    {
        var order = new DeliveryOrder(Id(4));
        Assert.Equal(LivePlacement.FillGapFirst, order.Place(Id(7), Id(6)));
        Assert.Equal(Id(4), order.LastDelivered); // deciding writes nothing
    }

    [Fact]
    public void A_gap_filled_from_the_store_covers_the_live_message_that_revealed_it()
    {
        var order = new DeliveryOrder(Id(4));
        Assert.Equal(LivePlacement.FillGapFirst, order.Place(Id(7), Id(6)));

        Assert.Equal(new[] { Id(5), Id(6), Id(7) }, WriteStored(order, 5, 6, 7));

        Assert.Equal(LivePlacement.AlreadyDelivered, order.PlaceAfterGapFill(Id(7)));
    }

    [Fact]
    public void A_live_message_the_store_does_not_have_is_delivered_after_the_gap_fill_anyway()
    {
        var order = new DeliveryOrder(Id(4));
        Assert.Equal(LivePlacement.FillGapFirst, order.Place(Id(7), Id(6)));
        WriteStored(order, 5, 6);

        Assert.Equal(LivePlacement.Deliver, order.PlaceAfterGapFill(Id(7)));
    }

    [Fact]
    public void A_gap_fill_that_found_nothing_still_delivers_the_live_message()
    {
        // Its predecessor is still in flight elsewhere and not yet visible: the message is not held back.
        var order = new DeliveryOrder(Id(4));
        Assert.Equal(LivePlacement.FillGapFirst, order.Place(Id(6), Id(5)));
        Assert.Empty(WriteStored(order));
        Assert.Equal(LivePlacement.Deliver, order.PlaceAfterGapFill(Id(6)));
    }

    [Theory]
    [InlineData(4)] // the very message last written, again
    [InlineData(2)] // an older one
    public void Duplicates_and_messages_already_written_are_dropped(long id)
    {
        var order = new DeliveryOrder(Id(4));
        Assert.Equal(LivePlacement.AlreadyDelivered, order.Place(Id(id), Id(id - 1)));
    }

    [Fact]
    public void A_message_delivered_once_is_dropped_when_the_bus_brings_it_again()
    {
        var order = new DeliveryOrder(Id(4));
        Assert.Equal(LivePlacement.Deliver, order.Place(Id(5), Id(4)));
        order.Delivered(Id(5));
        Assert.Equal(LivePlacement.AlreadyDelivered, order.Place(Id(5), Id(4)));
    }

    [Fact]
    public void At_the_seam_live_messages_queued_during_the_catch_up_are_dropped_or_follow_it()
    {
        // Connected after 2; 4 and 6 arrive live while the catch-up reads 3 to 5 from the store.
        var order = new DeliveryOrder(Id(2));
        Assert.Equal(new[] { Id(3), Id(4), Id(5) }, WriteStored(order, 3, 4, 5));

        Assert.Equal(LivePlacement.AlreadyDelivered, order.Place(Id(4), Id(3)));
        Assert.Equal(LivePlacement.Deliver, order.Place(Id(6), Id(5)));
    }

    [Fact]
    public void At_the_seam_a_live_message_stored_after_the_catch_up_read_fills_its_own_gap()
    {
        // The catch-up read 3 and 4; 5 was stored after that read, and its live copy was lost;
        // then 6 arrives live.
        var order = new DeliveryOrder(Id(2));
        WriteStored(order, 3, 4);
        Assert.Equal(LivePlacement.FillGapFirst, order.Place(Id(6), Id(5)));
        Assert.Equal(new[] { Id(5), Id(6) }, WriteStored(order, 5, 6));
        Assert.Equal(LivePlacement.AlreadyDelivered, order.PlaceAfterGapFill(Id(6)));
    }

    [Fact]
    public void A_catch_up_writes_only_what_comes_after_the_last_written()
    {
        var order = new DeliveryOrder(Id(5));
        Assert.Equal(new[] { Id(6), Id(7) }, WriteStored(order, 4, 5, 6, 7));
        Assert.Equal(Id(7), order.LastDelivered);
    }

    [Fact]
    public void Resuming_after_a_client_cursor_skips_what_the_client_has_and_keeps_the_order_from_there()
    {
        // ?after=5: the client has everything up to 5.
        var order = new DeliveryOrder(Id(5));
        Assert.Equal(Id(5), order.LastDelivered); // the catch-up reads after the cursor
        Assert.Equal(LivePlacement.AlreadyDelivered, order.Place(Id(3), Id(2)));
        Assert.Equal(LivePlacement.Deliver, order.Place(Id(6), Id(5)));
        Assert.Equal(LivePlacement.FillGapFirst, order.Place(Id(8), Id(7)));
    }

    [Fact]
    public void Catch_up_reads_page_after_page_from_the_last_id_of_each()
    {
        var full = new InboxPage(Id(5), [new InboxMessage(Id(6), []), new InboxMessage(Id(7), [])], HasMore: true);
        Assert.Equal(Id(7), DeliveryOrder.NextPageAfter(full));
    }

    [Fact]
    public void Catch_up_ends_on_the_last_page_or_an_empty_one()
    {
        var last = new InboxPage(Id(5), [new InboxMessage(Id(6), [])], HasMore: false);
        var empty = new InboxPage(Id(5), [], HasMore: true);
        Assert.Null(DeliveryOrder.NextPageAfter(last));
        Assert.Null(DeliveryOrder.NextPageAfter(empty));
    }
}
