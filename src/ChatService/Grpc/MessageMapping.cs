using Chat.ChatService.Messages;
using Chat.ChatService.Storage;
using Chat.Contracts.Chat.V1;
using Google.Protobuf.WellKnownTypes;

namespace Chat.ChatService.Grpc;

/// <summary>From the store's records to the contract's messages.</summary>
internal static class MessageMapping
{
    public static Message ToContract(this StoredMessage m) => new()
    {
        Id = MessageId.Format(m.Id),
        Sender = m.Sender,
        Recipient = m.Recipient ?? "",
        GroupId = m.GroupId ?? "",
        Text = m.Text,
        SentAt = Timestamp.FromDateTimeOffset(m.SentAt),
        ClientId = m.ClientId ?? "",
    };
}
