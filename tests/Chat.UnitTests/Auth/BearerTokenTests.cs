using Chat.Edge.Auth;
using Microsoft.AspNetCore.Http;

namespace Chat.UnitTests.Auth;

public class BearerTokenTests
{
    private static DefaultHttpContext Request(string? authorization, string query = "", bool queryAllowed = false)
    {
        var http = new DefaultHttpContext();
        if (authorization is not null)
        {
            http.Request.Headers.Authorization = authorization;
        }
        http.Request.QueryString = new QueryString(query);
        http.SetEndpoint(new Endpoint(null, queryAllowed ? new EndpointMetadataCollection(AccessTokenInQuery.Instance) : EndpointMetadataCollection.Empty, "test"));
        return http;
    }

    [Theory]
    [InlineData("Bearer abc.def", "abc.def")]
    [InlineData("bearer abc.def", "abc.def")]
    [InlineData("Bearer   abc.def  ", "abc.def")]
    public void The_header_holds_the_token(string authorization, string token) =>
        Assert.Equal(token, BearerToken.From(Request(authorization)));

    [Theory]
    [InlineData("Basic dXNlcjpwYXNz")]
    [InlineData("Bearer")]
    [InlineData("Bearerabc")]
    public void A_header_of_another_scheme_or_without_a_token_holds_none(string authorization) =>
        Assert.Null(BearerToken.From(Request(authorization)));

    [Fact]
    public void The_query_is_read_only_where_the_endpoint_allows_it()
    {
        Assert.Null(BearerToken.From(Request(null, "?access_token=abc")));
        Assert.Equal("abc", BearerToken.From(Request(null, "?access_token=abc", queryAllowed: true)));
    }

    [Fact]
    public void The_header_comes_before_the_query()
    {
        Assert.Equal("from-header", BearerToken.From(Request("Bearer from-header", "?access_token=from-query", queryAllowed: true)));
    }
}
