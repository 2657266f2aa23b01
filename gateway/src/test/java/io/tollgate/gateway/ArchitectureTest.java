package io.tollgate.gateway;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import org.junit.jupiter.api.Test;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

class ArchitectureTest {
    private static final JavaClasses GATEWAY = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("io.tollgate.gateway");

    /** Each package can be read, changed and tested on its own only if none of them depends on itself in a loop. */
    @Test
    void theGatewaysPackagesHaveNoDependencyCycles() {
        slices().matching("io.tollgate.gateway.(*)..").should().beFreeOfCycles().check(GATEWAY);
    }

    /** Admission and credits answer in domain values (the kernel's refusals); HTTP is the data plane's business. */
    @Test
    void theMoneyControlsKnowNoHttp() {
        noClasses().that().resideInAPackage("io.tollgate.gateway.controls..").should().dependOnClassesThat()
                .resideInAnyPackage("io.tollgate.gateway.http..", "io.helidon.http..", "io.helidon.webserver..")
                .check(GATEWAY);
    }
}
