using Chat.Contracts.User.V1;
using Chat.ServiceDefaults.Grpc;

namespace Chat.UnitTests.Users;

/// <summary>The interceptor's walk over a gRPC message for text no service can keep.</summary>
public sealed class StorableTextInterceptorTests
{
    [Fact]
    public void The_walk_finds_text_in_nested_and_repeated_messages_and_names_its_path()
    {
        var clean = new LookupUsersResponse { Users = { new User { Id = "1", Username = "alice" } } };
        var nested = new LookupUsersResponse { Users = { new User { Id = "1", Username = "alice" }, new User { Id = "2", Username = "b\0b" } } };
        var surrogate = new LookupUsersRequest { Usernames = { "ok", "\uD800" } };

        Assert.Null(StorableTextInterceptor.FirstUnstorableField(clean));
        Assert.Equal("users.username", StorableTextInterceptor.FirstUnstorableField(nested));
        Assert.Equal("usernames", StorableTextInterceptor.FirstUnstorableField(surrogate));
    }
}
