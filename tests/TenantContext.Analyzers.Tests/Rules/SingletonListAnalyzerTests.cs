using Tenancy.Analyzers.Tests.Verifiers;

namespace Tenancy.Analyzers.Tests.Rules;

public class SingletonListAnalyzerTests
{
    private static AnalyzerVerifier<SingletonListAnalyzer> Verify { get; } = new(DiagnosticIds.UnknownSingletonEntry);

    private static AnalyzerVerifier<SingletonReplacementAnalyzer> ReplacementVerify { get; } = new(DiagnosticIds.UnknownReplacement);

    private const string Legacy = """
        namespace Legacy
        {
            public static class Globals
            {
                public static object Storage = new();
                public static object Db { get; } = new();
                public static object Open() => new();
                public static event System.EventHandler? Changed;
            }
        }
        """;

    private static (string, string) List(string text) => ("TenantSingletons.txt", text);

    // ---- TC1009 must report ----

    [Fact]
    public Task Unknown_field_is_reported_in_the_file() => Verify.VerifyAsync(Legacy, List("{|TC1009:F:Legacy.Globals.Missing|}"));

    [Fact]
    public Task Misspelled_namespace_is_reported() => Verify.VerifyAsync(Legacy, List("{|TC1009:P:Legasy.Globals.Db|}"));

    [Fact]
    public Task Wrong_kind_prefix_is_reported() => Verify.VerifyAsync(Legacy, List("{|TC1009:P:Legacy.Globals.Storage|}"));

    [Fact]
    public Task Type_ids_are_reported_because_only_members_are_singletons() => Verify.VerifyAsync(Legacy, List("{|TC1009:T:Legacy.Globals|}"));

    [Fact]
    public Task Bare_name_without_prefix_is_reported() => Verify.VerifyAsync(Legacy, List("{|TC1009:Legacy.Globals.Storage|}"));

    [Fact]
    public Task Bad_line_is_reported_at_its_own_line() => Verify.VerifyAsync(Legacy, List("F:Legacy.Globals.Storage\n// comment\n{|TC1009:F:Nope|}"));

    [Fact]
    public Task Bad_id_with_replacement_is_reported_at_the_id() => Verify.VerifyAsync(Legacy, List("{|TC1009:F:Legacy.Gone|};Wiki.Storage"));

    [Fact]
    public Task Bad_id_with_trailing_comment_is_reported_at_the_id() => Verify.VerifyAsync(Legacy, List("  {|TC1009:M:Legacy.Globals.Close|}  // removed"));

    [Fact]
    public Task Method_id_with_wrong_parameters_is_reported() => Verify.VerifyAsync(Legacy, List("{|TC1009:M:Legacy.Globals.Open(System.String)|}"));

    [Fact]
    public Task Every_bad_line_is_reported() => Verify.VerifyAsync(Legacy, List("{|TC1009:F:A|}\n{|TC1009:F:B|}"));

    // ---- TC1009 must not report ----

    [Fact]
    public Task Known_field_is_not_reported() => Verify.VerifyAsync(Legacy, List("F:Legacy.Globals.Storage"));

    [Fact]
    public Task Known_property_is_not_reported() => Verify.VerifyAsync(Legacy, List("P:Legacy.Globals.Db"));

    [Fact]
    public Task Known_method_is_not_reported() => Verify.VerifyAsync(Legacy, List("M:Legacy.Globals.Open"));

    [Fact]
    public Task Known_event_is_not_reported() => Verify.VerifyAsync(Legacy, List("E:Legacy.Globals.Changed"));

    [Fact]
    public Task Comment_lines_are_not_reported() => Verify.VerifyAsync(Legacy, List("// F:Legacy.Nothing\n   // indented"));

    [Fact]
    public Task Blank_lines_are_not_reported() => Verify.VerifyAsync(Legacy, List("\n\n   \n"));

    [Fact]
    public Task Known_id_with_replacement_is_not_reported() => Verify.VerifyAsync(Legacy, List("F:Legacy.Globals.Storage;Wiki.Storage"));

    [Fact]
    public Task Known_id_with_trailing_comment_is_not_reported() => Verify.VerifyAsync(Legacy, List("F:Legacy.Globals.Storage // the global store"));

    [Fact]
    public Task Other_additional_files_are_not_read() => Verify.VerifyAsync(Legacy, ("Notes.txt", "F:Nothing.At.All"));

    [Fact]
    public Task Metadata_member_is_not_reported() => Verify.VerifyAsync(Legacy, List("P:System.Environment.CurrentDirectory"));

    // ---- TC1008 ----

    [Fact]
    public Task Unknown_Use_is_reported_on_the_argument() => ReplacementVerify.VerifyAsync("""
        class G { [Tenancy.TenantSingleton(Use = {|TC1008:"Wiki.Nope"|})] public static object S = new(); }
        """);

    [Fact]
    public Task Inaccessible_Use_is_reported() => ReplacementVerify.VerifyAsync("""
        class Hidden { private static object Secret = new(); }
        class G { [Tenancy.TenantSingleton(Use = {|TC1008:"Hidden.Secret"|})] public static object S = new(); }
        """);

    [Fact]
    public Task Use_naming_a_missing_type_is_reported() => ReplacementVerify.VerifyAsync("""
        class G { [Tenancy.TenantSingleton(Use = {|TC1008:"Nowhere.Storage"|})] public static object S { get; } = new(); }
        """);

    [Fact]
    public Task Empty_segment_in_Use_is_reported() => ReplacementVerify.VerifyAsync("""
        class G { [Tenancy.TenantSingleton(Use = {|TC1008:"Wiki..Storage"|})] public static object S = new(); }
        """);

    [Fact]
    public Task Unknown_list_replacement_is_reported_in_the_file() => ReplacementVerify.VerifyAsync(Legacy, List("F:Legacy.Globals.Storage;{|TC1008:Wiki.Nope|}"));

    [Fact]
    public Task Use_on_a_property_naming_a_type_is_reported() => ReplacementVerify.VerifyAsync("""
        class G { [Tenancy.TenantSingleton(Use = {|TC1008:"Wiki"|})] public static object S { get; } = new(); }
        """);

    [Fact]
    public Task Use_naming_a_namespace_is_reported() => ReplacementVerify.VerifyAsync("""
        namespace App.Data { class G { [Tenancy.TenantSingleton(Use = {|TC1008:"App.Data"|})] public static object S = new(); } }
        """);

    [Fact]
    public Task Use_with_wrong_case_is_reported() => ReplacementVerify.VerifyAsync("""
        class G { [Tenancy.TenantSingleton(Use = {|TC1008:"wiki.storage"|})] public static object S = new(); }
        """);

    [Fact]
    public Task Use_naming_a_sibling_namespace_without_qualification_is_reported() => ReplacementVerify.VerifyAsync("""
        namespace A.X { public static class Acc { public static object Storage => new(); } }
        namespace A.Y { class G { [Tenancy.TenantSingleton(Use = {|TC1008:"Acc.Storage"|})] public static object S = new(); } }
        """);

    [Fact]
    public Task Unknown_replacement_of_a_listed_property_is_reported() => ReplacementVerify.VerifyAsync(Legacy, List("P:Legacy.Globals.Db;{|TC1008:Legacy.Globals.Nope|}"));

    [Fact]
    public Task Unknown_replacement_with_trailing_comment_is_reported_at_the_name() => ReplacementVerify.VerifyAsync(Legacy, List("F:Legacy.Globals.Storage ; {|TC1008:Wiki.Stor|}  // typo"));

    [Fact]
    public Task Unknown_replacement_on_a_later_line_is_reported_there() => ReplacementVerify.VerifyAsync(Legacy, List("// list\nF:Legacy.Globals.Storage;Wiki.Storage\nP:Legacy.Globals.Db;{|TC1008:global::Nope.Db|}"));

    [Fact]
    public Task Replacement_of_an_unknown_id_is_left_to_TC1009() => ReplacementVerify.VerifyAsync(Legacy, List("F:Legacy.Globals.Missing;Wiki.Nope"));

    [Fact]
    public Task Listed_replacement_resolved_from_the_singleton_type_is_not_reported() => ReplacementVerify.VerifyAsync(Legacy, List("F:Legacy.Globals.Storage;Db"));

    [Fact]
    public Task Use_resolved_from_the_singleton_namespace_is_not_reported() => ReplacementVerify.VerifyAsync("""
        namespace App.Data { public static class Accessors { public static object Storage => new(); } }
        namespace App.Data.Legacy { class G { [Tenancy.TenantSingleton(Use = "Accessors.Storage")] public static object S = new(); } }
        """);

    [Fact]
    public Task Fully_qualified_Use_is_not_reported() => ReplacementVerify.VerifyAsync("""
        namespace App { class G { [Tenancy.TenantSingleton(Use = "global::Wiki.Storage")] public static object S = new(); } }
        """);

    [Fact]
    public Task Sibling_member_Use_is_not_reported() => ReplacementVerify.VerifyAsync("""
        class G { [Tenancy.TenantSingleton(Use = "Tenant")] public static object S = new(); public static object Tenant => new(); }
        """);

    [Fact]
    public Task Singleton_without_Use_is_not_reported() => ReplacementVerify.VerifyAsync("""
        class G { [Tenancy.TenantSingleton] public static object S = new(); }
        """);

    [Fact]
    public Task Known_list_replacement_is_not_reported() => ReplacementVerify.VerifyAsync(Legacy, List("F:Legacy.Globals.Storage;Wiki.Storage"));

    [Fact]
    public Task Use_of_an_incompatible_type_is_reported() => ReplacementVerify.VerifyAsync("""
        class Store { }
        class G { [Tenancy.TenantSingleton(Use = {|TC1008:"Wiki.Storage"|})] public static Store S = new(); }
        """);

    [Fact]
    public Task Instance_Use_for_a_static_singleton_is_reported() => ReplacementVerify.VerifyAsync("""
        class Holder { public Tenancy.ITenantStorage? Storage; }
        class G { [Tenancy.TenantSingleton(Use = {|TC1008:"Holder.Storage"|})] public static Tenancy.ITenantStorage? S; }
        """);

    [Fact]
    public Task Use_of_a_compatible_static_member_is_not_reported() => ReplacementVerify.VerifyAsync("""
        class G { [Tenancy.TenantSingleton(Use = "Wiki.Storage")] public static Tenancy.ITenantStorage? S; }
        """);

    [Fact]
    public Task A_method_named_as_the_replacement_of_a_field_or_property_is_reported() => ReplacementVerify.VerifyAsync("""
        using Tenancy;
        class G
        {
            [TenantSingleton(Use = {|TC1008:"G.GetStore"|})] public static ITenantStorage S = null!;
            [TenantSingleton(Use = {|TC1008:"G.GetStore"|})] public static ITenantStorage P { get; } = null!;
            [TenantSingleton(Use = "Wiki.Storage")] public static ITenantStorage Q { get; } = null!;
            public static ITenantStorage GetStore() => null!;
        }
        """);
}
