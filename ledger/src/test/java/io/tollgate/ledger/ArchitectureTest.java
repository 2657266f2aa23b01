package io.tollgate.ledger;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import org.junit.jupiter.api.Test;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

class ArchitectureTest {
    private static final JavaClasses LEDGER = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("io.tollgate.ledger");

    /** Events, money and projections are shared by gateway, projector and replay: no web server or HTTP types in them. */
    @Test
    void theLedgerNeverDependsOnHttpOrTheGateway() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("io.helidon.webserver..", "io.helidon.http..",
                "io.helidon.webclient..", "io.tollgate.gateway..", "io.tollgate.projector..").check(LEDGER);
    }

    @Test
    void theLedgersPackagesHaveNoDependencyCycles() {
        slices().matching("io.tollgate.ledger.(*)..").should().beFreeOfCycles().check(LEDGER);
    }
}
