package dev.tandem.hawkbit;

import org.eclipse.hawkbit.autoconfigure.security.EnableHawkbitManagedSecurityConfiguration;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The hawkBit update server (DDI and Management API, embedded H2) that device-agent's tests run against. The
 * application is hawkBit's own auto-configuration; this class only switches it on, as upstream's runtime does.
 */
@SpringBootApplication
@EnableHawkbitManagedSecurityConfiguration
public class Start {

    public static void main(String[] args) {
        SpringApplication.run(Start.class, args);
    }
}
