using Microsoft.Data.Sqlite;

namespace Tenancy.Sqlite.Tests;

/// <summary>The ordered steps every store shares (<see cref="TenantMigrationSteps{TStep}"/>), through the SQLite collection.</summary>
public sealed class MigrationStepsTests
{
    [Fact]
    public void Steps_are_kept_in_version_order_whatever_order_they_are_added_in()
    {
        var steps = new SqliteMigrationCollection()
            .Add(3, "third", "SELECT 3")
            .Add(1, "first", "SELECT 1")
            .Add(2, "second", (SqliteConnection _, SqliteTransaction _) => { });

        Assert.Equal([1, 2, 3], steps.Select(s => s.Version));
        Assert.Equal(3, steps.LatestVersion);
        Assert.Equal("2 (second)", steps[1].ToString());
        Assert.Null(steps[1].Sql);
        Assert.IsAssignableFrom<TenantMigrationStep>(steps[0]);
    }

    [Fact]
    public void A_taken_version_a_version_below_one_and_a_blank_name_are_refused_and_nothing_is_added()
    {
        var steps = new SqliteMigrationCollection().Add(1, "init", "SELECT 1");

        var taken = Assert.Throws<ArgumentException>(() => steps.Add(1, "again", "SELECT 2"));
        Assert.Contains("'init'", taken.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => steps.Add(0, "zero", "SELECT 0"));
        Assert.ThrowsAny<ArgumentException>(() => steps.Add(2, " ", "SELECT 2"));
        Assert.ThrowsAny<ArgumentException>(() => steps.Add(2, "blank sql", " "));

        Assert.Equal("1 (init)", Assert.Single(steps).ToString());
        Assert.Equal(0, new SqliteMigrationCollection().LatestVersion);
    }
}
