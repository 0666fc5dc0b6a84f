using Chat.Contracts;

namespace Chat.UnitTests.Users;

/// <summary>The contract's alphabet exactly: a-z 0-9 _ . -, with ASCII letters alone folded to lower case.</summary>
public sealed class UsernameRulesTests
{
    [Theory]
    [InlineData("Alice", "alice")]
    [InlineData("  BOB_2.x-y ", "bob_2.x-y")]
    public void Ascii_names_fold_to_lower_case_and_are_valid(string given, string stored)
    {
        Assert.Equal(stored, UsernameRules.Normalize(given));
        Assert.True(UsernameRules.IsValidUsername(UsernameRules.Normalize(given)));
    }

    [Theory]
    [InlineData("\u212Aelvin")] // KELVIN SIGN: Unicode lower-cases it to 'k'
    [InlineData("\u017Fam")] // LATIN SMALL LETTER LONG S: upper-cases to 'S'
    [InlineData("\u0130stanbul")] // LATIN CAPITAL LETTER I WITH DOT ABOVE
    [InlineData("caf\u00E9")]
    [InlineData("ab\u0000c")]
    [InlineData("\uFF41bc")] // FULLWIDTH 'a'
    public void Names_outside_the_alphabet_are_invalid_after_normalising(string given)
    {
        Assert.False(UsernameRules.IsValidUsername(UsernameRules.Normalize(given)));
    }

    [Fact]
    public void A_newline_after_a_valid_name_does_not_pass_the_shape()
    {
        Assert.False(UsernameRules.IsValidUsername("alice\n"));
    }
}
