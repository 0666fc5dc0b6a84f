using System.Text;
using Chat.Edge.Bus;
using Chat.Edge.Protocol;

namespace Chat.UnitTests.Bus;

public class BusEnvelopeTests
{
    private static readonly byte[] Origin = Encoding.UTF8.GetBytes("edge-a-4242-0badf00d");
    private static readonly DateTime SentAt = new(2026, 12, 6, 13, 0, 0, DateTimeKind.Utc);
    private const string TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    private static BusEvent Message(string text = "hi \"bob\" — ünïcødé ✓ \\ </script>") => BusEvent.ForMessage(
        "00000000000000000042", "00000000000000000041", ServerFrames.Message("00000000000000000042", "alice", "bob", null, text, SentAt), TraceParent);

    private static BusEvent RoundTrip(BusEvent sent, out byte[] origin)
    {
        var payload = BusEnvelope.Write(Origin, sent);
        Assert.True(BusEnvelope.TryRead(payload, out var envelope));
        origin = envelope.Origin.ToArray();
        Assert.Equal(sent.Kind, envelope.Kind);
        return envelope.ToEvent();
    }

    [Fact]
    public void A_message_arrives_with_its_id_previous_id_traceparent_origin_and_the_very_frame_bytes()
    {
        var sent = Message();

        var got = RoundTrip(sent, out var origin);

        Assert.Equal(Origin, origin);
        Assert.Equal((BusEventKind.Message, sent.Id, sent.PreviousId, TraceParent, false), (got.Kind, got.Id, got.PreviousId, got.TraceParent, got.IsEphemeral));
        Assert.Equal(sent.Frame, got.Frame);
    }

    [Fact]
    public void The_frame_travels_as_it_is_not_escaped_inside_another_document()
    {
        var sent = Message();

        var payload = BusEnvelope.Write(Origin, sent);

        Assert.Equal(sent.Frame, payload.AsSpan(payload.Length - sent.Frame.Length).ToArray());
        // The header: version, kind, four short fields and the frame's length; nothing else.
        var header = 2 + (1 + Origin.Length) + (1 + 20) + (1 + 20) + (1 + TraceParent.Length) + (sent.Frame.Length < 128 ? 1 : 2);
        Assert.Equal(header + sent.Frame.Length, payload.Length);
    }

    [Fact]
    public void An_untraced_message_and_a_first_message_keep_their_empty_fields()
    {
        var sent = BusEvent.ForMessage("00000000000000000001", "", ServerFrames.Message("00000000000000000001", "alice", null, "g1", "hi all", SentAt));

        var got = RoundTrip(sent, out _);

        Assert.Equal(("", (string?)null), (got.PreviousId, got.TraceParent));
        Assert.Equal(sent.Frame, got.Frame);
    }

    [Fact]
    public void Read_receipts_and_typing_arrive_as_their_frames_outside_the_ordered_stream()
    {
        var read = BusEvent.ForRead("alice", with: "alice", group: null, upTo: "00000000000000000007");
        var typing = BusEvent.ForTyping("alice", to: null, group: "g1");

        var gotRead = RoundTrip(read, out _);
        var gotTyping = RoundTrip(typing, out _);

        Assert.Equal((BusEventKind.Read, true, ""), (gotRead.Kind, gotRead.IsEphemeral, gotRead.Id));
        Assert.Equal(read.Frame, gotRead.Frame);
        Assert.Equal((BusEventKind.Typing, true), (gotTyping.Kind, gotTyping.IsEphemeral));
        Assert.Equal(typing.Frame, gotTyping.Frame);
    }

    [Fact]
    public void A_catch_up_arrives_as_the_one_catch_up_event_with_no_frame()
    {
        var got = RoundTrip(BusEvent.CatchUp, out _);

        Assert.Same(BusEvent.CatchUp, got);
        Assert.False(got.HasFrame);
    }

    [Fact]
    public void Fields_and_frames_past_one_length_byte_round_trip()
    {
        var longId = new string('9', 300);
        var text = string.Concat(Enumerable.Repeat("😀", 1024)); // 4,096 bytes, the longest text: a frame behind two length bytes
        var sent = BusEvent.ForMessage(longId, new string('8', 200), ServerFrames.Message(longId, "alice", "bob", null, text, SentAt));

        var got = RoundTrip(sent, out _);

        Assert.Equal((longId, new string('8', 200)), (got.Id, got.PreviousId));
        Assert.Equal(sent.Frame, got.Frame);
    }

    [Fact]
    public void A_field_longer_than_an_envelope_holds_is_refused_when_written()
    {
        var sent = BusEvent.ForMessage(new string('1', BusEnvelope.MaxFieldBytes + 1), "", [(byte)'{', (byte)'}']);

        Assert.Throws<ArgumentException>(() => BusEnvelope.Write(Origin, sent));
    }

    public static TheoryData<string, byte[]> Unreadable()
    {
        var valid = BusEnvelope.Write(Origin, Message());
        byte[] Patched(int index, byte value)
        {
            var copy = valid.ToArray();
            copy[index] = value;
            return copy;
        }
        // Byte offsets of the fields' first bytes, after version, kind and each field's length byte.
        var idStart = 2 + 1 + Origin.Length + 1;
        return new TheoryData<string, byte[]>
        {
            { "nothing", [] },
            { "a version byte alone", [BusEnvelope.Version] },
            { "the JSON envelope of before (version 1)", Encoding.UTF8.GetBytes("""{"origin":"edge-b","event":{"kind":1,"id":"1","from":"alice","text":"hi"}}""") },
            { "another program's text", Encoding.UTF8.GetBytes("hello") },
            { "a newer version", Patched(0, BusEnvelope.Version + 1) },
            { "an unknown kind", Patched(1, 9) },
            { "kind zero", Patched(1, 0) },
            { "a byte more than the fields say", [.. valid, (byte)'x'] },
            { "an id that is not UTF-8", Patched(idStart, 0xFF) },
            { "a frame that is not UTF-8", Patched(valid.Length - 1, 0xFF) },
            { "a frame longer than the payload", [BusEnvelope.Version, (byte)BusEventKind.Typing, 1, (byte)'a', 0, 0, 0, 5, (byte)'{', (byte)'}'] },
            { "a length of four bytes", [BusEnvelope.Version, 1, 0xFF, 0xFF, 0xFF, 0x01] },
            { "no origin", BusEnvelope.Write([], Message()) },
            { "a message without an id", [BusEnvelope.Version, (byte)BusEventKind.Message, 1, (byte)'a', 0, 0, 0, 2, (byte)'{', (byte)'}'] },
            { "a message without a frame", [BusEnvelope.Version, (byte)BusEventKind.Message, 1, (byte)'a', 1, (byte)'1', 0, 0, 0] },
            { "typing without a frame", [BusEnvelope.Version, (byte)BusEventKind.Typing, 1, (byte)'a', 0, 0, 0, 0] },
            { "a catch-up with a frame", [BusEnvelope.Version, (byte)BusEventKind.CatchUp, 1, (byte)'a', 0, 0, 0, 2, (byte)'{', (byte)'}'] },
        };
    }

    [Theory]
    [MemberData(nameof(Unreadable))]
    public void A_payload_that_is_not_a_whole_envelope_of_this_version_is_refused(string why, byte[] payload)
    {
        Assert.False(BusEnvelope.TryRead(payload, out _), why);
    }

    [Fact]
    public void Every_payload_cut_short_is_refused()
    {
        var valid = BusEnvelope.Write(Origin, Message());

        for (var length = 0; length < valid.Length; length++)
        {
            Assert.False(BusEnvelope.TryRead(valid.AsSpan(0, length), out _), $"cut to {length} of {valid.Length} bytes");
        }
    }
}
