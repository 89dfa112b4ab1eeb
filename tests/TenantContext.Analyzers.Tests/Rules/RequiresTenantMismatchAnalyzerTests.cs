using Tenancy.Analyzers.Tests.Verifiers;

namespace Tenancy.Analyzers.Tests.Rules;

public class RequiresTenantMismatchAnalyzerTests
{
    private static AnalyzerVerifier<RequiresTenantMismatchAnalyzer> Verify { get; } = new(DiagnosticIds.RequiresTenantMismatch);

    private const string Usings = "using System; using System.Threading.Tasks; using Tenancy;\n";

    // ---- must report ----

    [Fact]
    public Task Override_marked_when_base_is_not_is_reported() => Verify.VerifyAsync(Usings + """
        class B { public virtual void M() { } }
        class D : B { [RequiresTenant] public override void {|TC1007:M|}() { } }
        """);

    [Fact]
    public Task Abstract_override_marked_is_reported() => Verify.VerifyAsync(Usings + """
        abstract class B { public abstract void M(); }
        class D : B { [RequiresTenant] public override void {|TC1007:M|}() { } }
        """);

    [Fact]
    public Task Implicit_interface_implementation_marked_is_reported() => Verify.VerifyAsync(Usings + """
        interface I { void M(); }
        class D : I { [RequiresTenant] public void {|TC1007:M|}() { } }
        """);

    [Fact]
    public Task Explicit_interface_implementation_marked_is_reported() => Verify.VerifyAsync(Usings + """
        interface I { void M(); }
        class D : I { [RequiresTenant] void I.{|TC1007:M|}() { } }
        """);

    [Fact]
    public Task Property_override_marked_is_reported() => Verify.VerifyAsync(Usings + """
        class B { public virtual int P => 0; }
        class D : B { [RequiresTenant] public override int {|TC1007:P|} => 1; }
        """);

    [Fact]
    public Task Interface_property_implementation_marked_is_reported() => Verify.VerifyAsync(Usings + """
        interface I { object P { get; } }
        class D : I { [RequiresTenant] public object {|TC1007:P|} => Wiki.Db; }
        """);

    [Fact]
    public Task Async_override_marked_is_reported() => Verify.VerifyAsync(Usings + """
        class B { public virtual Task M() => Task.CompletedTask; }
        class D : B { [RequiresTenant] public override async Task {|TC1007:M|}() { await Task.Yield(); } }
        """);

    [Fact]
    public Task Generic_interface_implementation_marked_is_reported() => Verify.VerifyAsync(Usings + """
        interface I<T> { T Get(); }
        class D : I<string> { [RequiresTenant] public string {|TC1007:Get|}() => ""; }
        """);

    [Fact]
    public Task Implementation_of_two_interfaces_is_reported_for_each() => Verify.VerifyAsync(Usings + """
        interface I1 { void M(); }
        interface I2 { void M(); }
        class D : I1, I2 { [RequiresTenant] public void {|TC1007:{|TC1007:M|}|}() { } }
        """);

    [Fact]
    public Task Override_in_a_partial_class_is_reported() => Verify.VerifySourcesAsync(
        Usings + "class B { public virtual void M() { } }\npartial class D : B { }",
        "partial class D { [Tenancy.RequiresTenant] public override void {|TC1007:M|}() { } }");

    [Fact]
    public Task Event_override_marked_is_reported() => Verify.VerifyAsync(Usings + """
        class B { public virtual event EventHandler? E; }
        class D : B { [RequiresTenant] public override event EventHandler? {|TC1007:E|}; }
        """);

    // ---- must not report ----

    [Fact]
    public Task Override_of_marked_base_is_not_reported() => Verify.VerifyAsync(Usings + """
        class B { [RequiresTenant] public virtual void M() { } }
        class D : B { [RequiresTenant] public override void M() { } }
        """);

    [Fact]
    public Task Implementation_of_marked_interface_member_is_not_reported() => Verify.VerifyAsync(Usings + """
        interface I { [RequiresTenant] void M(); }
        class D : I { [RequiresTenant] public void M() { } }
        """);

    [Fact]
    public Task Implementation_of_member_of_marked_interface_is_not_reported() => Verify.VerifyAsync(Usings + """
        [RequiresTenant] interface I { void M(); }
        class D : I { [RequiresTenant] public void M() { } }
        """);

    [Fact]
    public Task Unmarked_override_is_not_reported() => Verify.VerifyAsync(Usings + """
        class B { public virtual void M() { } }
        class D : B { public override void M() { } }
        """);

    [Fact]
    public Task Marked_new_method_is_not_reported() => Verify.VerifyAsync(Usings + """
        class D { [RequiresTenant] public void M() { } }
        """);

    [Fact]
    public Task Marked_virtual_root_is_not_reported() => Verify.VerifyAsync(Usings + """
        class B { [RequiresTenant] public virtual void M() { } }
        """);

    [Fact]
    public Task Marked_static_method_is_not_reported() => Verify.VerifyAsync(Usings + """
        class D { [RequiresTenant] public static void M() { } }
        """);

    [Fact]
    public Task Marked_method_with_same_name_as_unimplemented_interface_member_overload_is_not_reported() => Verify.VerifyAsync(Usings + """
        interface I { void M(int x); }
        class D : I { public void M(int x) { } [RequiresTenant] public void M(string s) { } }
        """);

    [Fact]
    public Task Override_of_override_of_marked_root_reports_only_the_unmarked_middle() => Verify.VerifyAsync(Usings + """
        class A { [RequiresTenant] public virtual void M() { } }
        class B : A { public override void {|TC1007:M|}() { } }
        class D : B { [RequiresTenant] public override void M() { } }
        """);

    [Fact]
    public Task Explicit_implementation_of_marked_interface_member_is_not_reported() => Verify.VerifyAsync(Usings + """
        interface I { [RequiresTenant] object P { get; } }
        class D : I { [RequiresTenant] object I.P => Wiki.Db; }
        """);

    [Fact]
    public Task Marked_constructor_is_not_reported() => Verify.VerifyAsync(Usings + """
        class B { } class D : B { [RequiresTenant] public D() { } }
        """);

    // ---- both directions, types and static constructors (issue 16, item 7 and item 1) ----

    [Fact]
    public Task Unmarked_override_of_a_marked_base_member_is_reported() => Verify.VerifyAsync(Usings + """
        class Base { [RequiresTenant] public virtual void Save() { } }
        class Derived : Base { public override void {|TC1007:Save|}() { } }
        """);

    [Fact]
    public Task Unmarked_implementation_of_a_marked_interface_member_is_reported() => Verify.VerifyAsync(Usings + """
        interface IRepo { [RequiresTenant] void Save(); }
        class Repo : IRepo { public void {|TC1007:Save|}() { } }
        """);

    [Fact]
    public Task Marked_implementation_of_a_marked_interface_member_is_not_reported() => Verify.VerifyAsync(Usings + """
        interface IRepo { [RequiresTenant] void Save(); }
        class Repo : IRepo { [RequiresTenant] public void Save() { } }
        """);

    [Fact]
    public Task Interface_satisfied_by_an_inherited_marked_method_is_reported() => Verify.VerifyAsync(Usings + """
        interface IRepo { void Save(); }
        class Base { [RequiresTenant] public void Save() { } }
        class {|TC1007:Repo|} : Base, IRepo { }
        """);

    [Fact]
    public Task Interface_satisfied_by_an_inherited_matching_method_is_not_reported() => Verify.VerifyAsync(Usings + """
        interface IRepo { [RequiresTenant] void Save(); }
        class Base { [RequiresTenant] public void Save() { } }
        class Repo : Base, IRepo { }
        """);

    [Fact]
    public Task Marked_getter_overriding_an_unmarked_getter_is_reported() => Verify.VerifyAsync(Usings + """
        class Base { public virtual string Name => ""; }
        class Derived : Base { public override string Name { [RequiresTenant] {|TC1007:get|} => ""; } }
        """);

    [Fact]
    public Task Type_deriving_from_a_marked_type_is_reported() => Verify.VerifyAsync(Usings + """
        [RequiresTenant] class Repo { }
        class {|TC1007:PageRepo|} : Repo { }
        """);

    [Fact]
    public Task Marked_type_deriving_from_a_marked_type_is_not_reported() => Verify.VerifyAsync(Usings + """
        [RequiresTenant] class Repo { }
        [RequiresTenant] class PageRepo : Repo { }
        """);

    [Fact]
    public Task RequiresTenant_on_a_static_constructor_is_reported() => Verify.VerifyAsync(Usings + """
        class C { [RequiresTenant] static {|TC1007:C|}() { } }
        """);

    [Fact]
    public Task Unmarked_override_of_a_framework_member_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { public override string ToString() => ""; }
        """);

    [Fact]
    public Task Unmarked_property_implementing_an_interface_property_with_a_marked_getter_is_reported() => Verify.VerifyAsync(Usings + """
        interface INamed { string Name { [RequiresTenant] get; } }
        class Named : INamed { public string Name => {|TC1007:"x"|}; }
        """);

    [Fact]
    public Task Unmarked_override_of_a_property_with_a_marked_getter_is_reported() => Verify.VerifyAsync(Usings + """
        class Base { public virtual string Name { [RequiresTenant] get => ""; } }
        class Derived : Base { public override string Name { {|TC1007:get|} => "x"; } }
        """);

    [Fact]
    public Task Property_with_a_marked_getter_implementing_one_is_not_reported() => Verify.VerifyAsync(Usings + """
        interface INamed { string Name { [RequiresTenant] get; } }
        class Named : INamed { public string Name { [RequiresTenant] get => "x"; } }
        """);

    [Fact]
    public Task Unmarked_implementation_of_a_marked_property_is_reported_once() => Verify.VerifyAsync(Usings + """
        interface INamed { [RequiresTenant] string Name { get; } }
        class Named : INamed { public string {|TC1007:Name|} => "x"; }
        """);

    [Fact]
    public Task Unmarked_explicit_override_in_a_derived_interface_is_reported() => Verify.VerifyAsync(Usings + """
        interface IA { [RequiresTenant] void M(); }
        interface IB : IA { void IA.{|TC1007:M|}() { } }
        """);

    [Fact]
    public Task Marked_explicit_override_in_a_derived_interface_is_not_reported() => Verify.VerifyAsync(Usings + """
        interface IA { [RequiresTenant] void M(); }
        interface IB : IA { [RequiresTenant] void IA.M() { } }
        """);
}
