using Microsoft.Data.Sqlite;

namespace Tenancy.Cli.Tests;

/// <summary>The message and exit code a failure is turned into (checked in process: a full disk cannot be made portably).</summary>
public sealed class FailureMessageTests
{
    [Theory]
    [InlineData(13, "database or disk is full")]
    [InlineData(10, "disk I/O error")]
    public void A_full_or_failing_disk_is_an_error_that_names_the_free_space_of_the_data_root(int code, string sqlite)
    {
        // Seen on a full file system: every verb, `list` too (a WAL database needs its -shm file even to be read), said
        // "SQLite Error 10: 'disk I/O error'.. Run `tenantctl check` on the tenant", which sends the operator the wrong way.
        var (exitCode, message) = Tenantctl.Describe(new SqliteException($"SQLite Error {code}: '{sqlite}'.", code));

        Assert.Equal(ExitCodes.Error, exitCode);
        Assert.Contains(sqlite, message);
        Assert.Contains("free space", message);
        Assert.DoesNotContain("tenantctl check", message);
    }

    [Fact]
    public void Another_SQLite_error_keeps_its_advice_and_reads_as_one_sentence()
    {
        var (exitCode, message) = Tenantctl.Describe(new SqliteException("SQLite Error 5: 'database is locked'.", 5));

        Assert.Equal(ExitCodes.Error, exitCode);
        Assert.Contains("tenantctl check", message);
        Assert.DoesNotContain("..", message);
    }
}
