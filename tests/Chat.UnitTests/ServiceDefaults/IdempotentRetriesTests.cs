using Chat.ServiceDefaults.Grpc;
using ChatContract = Chat.Contracts.Chat.V1.ChatService;
using UserContract = Chat.Contracts.User.V1.UserService;
using Grpc.Core;

namespace Chat.UnitTests.ServiceDefaults;

/// <summary>The channels' retry policy: which methods it may call twice, and on what.</summary>
public sealed class IdempotentRetriesTests
{
    private static IEnumerable<string> Listed => IdempotentRetries.Methods.Select(m => $"{m.Service}/{m.Method}");

    [Fact]
    public void Every_listed_method_exists_in_the_contracts()
    {
        var methods = ChatContract.Descriptor.Methods.Concat(UserContract.Descriptor.Methods).Select(m => $"{m.Service.FullName}/{m.Name}");

        Assert.Empty(Listed.Except(methods));
    }

    [Theory]
    [InlineData("user.v1.UserService/Register")]
    [InlineData("user.v1.UserService/Login")]
    [InlineData("user.v1.UserService/Refresh")]
    [InlineData("user.v1.UserService/Logout")]
    [InlineData("user.v1.UserService/RevokeSession")]
    [InlineData("user.v1.UserService/ChangePassword")]
    [InlineData("chat.v1.ChatService/CreateGroup")]
    [InlineData("chat.v1.ChatService/AddGroupMember")]
    [InlineData("chat.v1.ChatService/RemoveGroupMember")]
    public void A_method_that_would_act_twice_is_never_retried(string method) => Assert.DoesNotContain(method, Listed);

    [Fact]
    public void Storing_a_message_is_retried_on_Unavailable_only_within_the_calls_deadline()
    {
        var config = IdempotentRetries.MethodConfig();

        Assert.Contains("chat.v1.ChatService/StoreMessage", config.Names.Select(m => $"{m.Service}/{m.Method}"));
        Assert.Equal([StatusCode.Unavailable], config.RetryPolicy!.RetryableStatusCodes);
        Assert.Equal(IdempotentRetries.MaxAttempts, config.RetryPolicy.MaxAttempts);
    }
}
