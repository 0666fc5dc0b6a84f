using System.Text;
using Chat.Edge.Connections;
using Chat.Edge.Protocol;

namespace Chat.UnitTests.Protocol;

public class ClientFrameParserTests
{
    private readonly ClientFrameParser _parser = new();

    private ClientFrame Parse(string frame) => _parser.Parse(Encoding.UTF8.GetBytes(frame));

    [Fact]
    public void The_seed_form_names_the_receiver_first_and_keeps_the_rest_as_the_text()
    {
        var send = Assert.IsType<SendFrame>(Parse("Bob hello  there, bob"));
        Assert.Equal("bob", send.To);
        Assert.Equal("hello  there, bob", send.Text);
        Assert.Null(send.ClientId);
    }

    [Fact]
    public void The_json_form_reads_every_field_and_ignores_unknown_ones()
    {
        var send = Assert.IsType<SendFrame>(Parse("""{"type":"send","to":"bob","text":"hi \u00e9","clientId":"c-17","extra":{"a":[1,2]}}"""));
        Assert.Equal(new SendFrame("bob", null, "hi é", "c-17"), send);
    }

    [Theory]
    [InlineData("bob")]
    [InlineData("bob ")]
    [InlineData("   ")]
    [InlineData("{")]
    [InlineData("{\"type\":\"send\",\"to\":\"bob\"}")]
    [InlineData("{\"type\":\"send\",\"to\":\"bob\",\"text\":\"\"}")]
    [InlineData("{\"type\":\"send\",\"text\":\"hi\"}")]
    [InlineData("{\"type\":\"send\",\"to\":\"bob\",\"group\":\"g\",\"text\":\"hi\"}")]
    [InlineData("{\"type\":\"send\",\"to\":5,\"text\":\"hi\"}")]
    [InlineData("{\"type\":\"dance\"}")]
    [InlineData("{\"to\":\"bob\",\"text\":\"hi\"}")]
    [InlineData("{\"type\":\"send\",\"to\":\"bob\",\"text\":\"hi\"} trailing")]
    [InlineData("[1,2,3]")]
    public void Malformed_frames_become_invalid_frame_errors(string frame)
    {
        var invalid = Assert.IsType<InvalidFrame>(Parse(frame));
        Assert.Equal(ErrorCodes.InvalidFrame, invalid.Code);
    }

    [Theory]
    [InlineData("bob\u0000x hello")]
    [InlineData("{\"type\":\"send\",\"to\":\"bob\\u0000x\",\"text\":\"hello\"}")]
    public void A_receiver_holding_nul_is_an_invalid_frame_in_either_form(string frame)
    {
        var invalid = Assert.IsType<InvalidFrame>(Parse(frame));
        Assert.Equal(ErrorCodes.InvalidFrame, invalid.Code);
    }

    [Fact]
    public void Text_is_limited_in_utf8_bytes_not_characters()
    {
        var atLimit = new string('é', 2048); // 4,096 bytes
        Assert.IsType<SendFrame>(Parse("bob " + atLimit));
        var over = Assert.IsType<InvalidFrame>(Parse("bob " + atLimit + "x"));
        Assert.Equal(ErrorCodes.TooLarge, over.Code);
    }

    [Fact]
    public void Escapes_do_not_count_against_the_text_limit()
    {
        var escaped = string.Concat(Enumerable.Repeat("\\u0041", 4096)); // 4,096 letters A, spelled in 24 KiB
        var send = Assert.IsType<SendFrame>(Parse($$"""{"type":"send","to":"bob","text":"{{escaped}}"}"""));
        Assert.Equal(4096, send.Text.Length);
    }

    [Fact]
    public void An_error_carries_the_client_id_when_one_was_given()
    {
        var invalid = Assert.IsType<InvalidFrame>(Parse("""{"type":"send","to":"bob","text":"","clientId":"c-1"}"""));
        Assert.Equal("c-1", invalid.ClientId);
        var tooLong = Assert.IsType<InvalidFrame>(Parse($$"""{"type":"send","to":"bob","text":"x","clientId":"{{new string('c', 65)}}"}"""));
        Assert.Equal(ErrorCodes.InvalidFrame, tooLong.Code);
    }

    [Fact]
    public void Read_and_typing_frames_are_understood()
    {
        Assert.Equal(new ReadFrame("alice", null, "00001"), Parse("""{"type":"read","with":"Alice","upTo":"00001"}"""));
        Assert.Equal(new TypingFrame(null, "g1"), Parse("""{"type":"typing","group":"g1"}"""));
    }
}
