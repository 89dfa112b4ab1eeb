using Verify = Tenancy.Analyzers.Tests.Verifiers.CodeFixVerifier<Tenancy.Analyzers.RequiresTenantAnalyzer, Tenancy.Analyzers.CodeFixes.AddRequiresTenantFix>;

namespace Tenancy.Analyzers.Tests.CodeFixes;

public class AddRequiresTenantFixTests
{
    [Fact]
    public Task Marks_the_enclosing_method() => Verify.VerifyFixAsync("""
        using Tenancy;

        class C
        {
            object M() => {|TC1001:Wiki.Db|};
        }
        """, """
        using Tenancy;

        class C
        {
            [RequiresTenant]
            object M() => Wiki.Db;
        }
        """);

    [Fact]
    public Task Adds_the_Tenancy_using_when_missing() => Verify.VerifyFixAsync("""
        class C
        {
            object M() => {|TC1001:Tenancy.TenantContext.GetDb()|};
        }
        """, """
        using Tenancy;

        class C
        {
            [RequiresTenant]
            object M() => Tenancy.TenantContext.GetDb();
        }
        """);

    [Fact]
    public Task Marks_the_property_of_an_accessor() => Verify.VerifyFixAsync("""
        using Tenancy;

        class C
        {
            object P
            {
                get { return {|TC1001:Wiki.Storage|}; }
            }
        }
        """, """
        using Tenancy;

        class C
        {
            [RequiresTenant]
            object P
            {
                get { return Wiki.Storage; }
            }
        }
        """);

    [Fact]
    public Task Marks_the_method_enclosing_a_lambda() => Verify.VerifyFixAsync("""
        using System;
        using Tenancy;

        class C
        {
            Func<object> M() => () => {|TC1001:Wiki.Db|};
        }
        """, """
        using System;
        using Tenancy;

        class C
        {
            [RequiresTenant]
            Func<object> M() => () => Wiki.Db;
        }
        """);

    [Fact]
    public Task Two_uses_in_one_method_get_one_attribute() => Verify.VerifyFixAsync("""
        using Tenancy;

        class C
        {
            void M()
            {
                var a = {|TC1001:Wiki.Db|};
                var b = {|TC1001:Wiki.Storage|};
            }
        }
        """, """
        using Tenancy;

        class C
        {
            [RequiresTenant]
            void M()
            {
                var a = Wiki.Db;
                var b = Wiki.Storage;
            }
        }
        """);

    [Fact]
    public Task Fix_all_marks_every_method_in_the_document() => Verify.VerifyFixAsync("""
        using Tenancy;

        class C
        {
            object A() => {|TC1001:Wiki.Db|};

            object B() => {|TC1001:TenantContext.GetStorage()|};

            C() { _ = {|TC1001:TenantContext.Current|}; }
        }
        """, """
        using Tenancy;

        class C
        {
            [RequiresTenant]
            object A() => Wiki.Db;

            [RequiresTenant]
            object B() => TenantContext.GetStorage();

            [RequiresTenant]
            C() { _ = TenantContext.Current; }
        }
        """);

    [Fact]
    public Task No_fix_is_offered_for_a_field_initializer() => Verify.VerifyFixAsync("""
        using Tenancy;

        class C
        {
            object _db = {|TC1001:Wiki.Db|};
        }
        """, """
        using Tenancy;

        class C
        {
            object _db = {|TC1001:Wiki.Db|};
        }
        """);
}
